"""The inner CV's choice between a simpler and a richer candidate (selection_rule.choose, .beats)."""

import numpy as np
import pytest

from synthaug.evaluation.gain import run_protocol
from synthaug.evaluation.samples import Samples
from synthaug.evaluation.selection import ProtocolSettings, Selection
from synthaug.evaluation.selection_rule import SELECTION_RULES, Candidate, beats, candidates, choose
from synthaug.pipeline.config import EvaluationConfig


def scores(**by_amount: list[float]) -> dict[Candidate, np.ndarray]:
    """x0_5=[...] -> Candidate(0.5): [...]; x8_w0_25 -> Candidate(8, weight 0.25)."""
    out = {}
    for key, values in by_amount.items():
        amount, _, weight = key.removeprefix("x").partition("_w")
        out[Candidate(float(amount.replace("_", ".")), float(weight.replace("_", ".") or 1))] = np.asarray(
            values
        )
    return out


def test_best_takes_the_highest_mean_and_the_smaller_amount_on_ties():
    cv = scores(x0=[0.80, 0.90, 0.85], x1=[0.85, 0.90, 0.90], x2=[0.90, 0.85, 0.90])
    assert choose(cv, "best").amount == 1.0
    assert choose(scores(x0=[0.8, 0.9], x0_5=[0.9, 0.8]), "best").amount == 0.0


def test_one_se_keeps_nothing_when_the_gain_is_one_lucky_fold():
    # x2's mean is 3.3 points above x0, but all of it comes from one fold of three:
    # the paired differences (0, 0, 10) have mean 3.3 and standard error 3.3
    cv = scores(x0=[0.80, 0.90, 0.85], x2=[0.80, 0.90, 0.95])
    assert choose(cv, "best").amount == 2.0
    assert choose(cv, "one-se").amount == 0.0


def test_one_se_adds_when_every_fold_agrees():
    cv = scores(x0=[0.80, 0.90, 0.85], x1=[0.86, 0.95, 0.91])
    assert choose(cv, "one-se").amount == 1.0


def test_one_se_takes_the_smallest_amount_within_one_error_of_the_best():
    # x4 is the best; x1 is behind it by less than one standard error of their difference,
    # while x0 is behind it in every fold: one-se picks x1
    cv = scores(
        x0=[0.70, 0.72, 0.71],
        x1=[0.80, 0.86, 0.83],
        x4=[0.85, 0.84, 0.84],
    )
    assert choose(cv, "best").amount == 4.0
    assert choose(cv, "one-se").amount == 1.0


def test_a_weight_below_one_is_simpler_and_named_in_the_key():
    grid = candidates([0.0, 1.0, 4.0], (0.25, 1.0))
    # amount 0 once; then by added weight (amount x weight), the smaller amount first on ties
    assert [c.key for c in grid] == ["x0", "x1@w0.25", "x1", "x4@w0.25", "x4"]
    # x4 at weight 1 is best, but x4 at 0.25 is within one error of it: one-se takes the lighter
    cv = scores(x0=[0.70, 0.72, 0.71], x4_w0_25=[0.80, 0.83, 0.82], x4=[0.83, 0.82, 0.83])
    assert choose(cv, "best") == Candidate(4.0)
    assert choose(cv, "one-se") == Candidate(4.0, 0.25)
    # weights above 1 are heavier by the same measure; at equal added weight the fewer samples come first
    heavy = candidates([0.0, 0.5, 2.0], (1.0, 4.0))
    assert [c.key for c in heavy] == ["x0", "x0.5", "x0.5@w4", "x2", "x2@w4"]
    # equal means: the best rule takes the simpler candidate too
    assert choose(scores(x1=[0.8, 0.9], x4_w0_25=[0.9, 0.8]), "best") == Candidate(1.0)
    # a stored selection names its candidate's key (older results have no weight: 1)
    chosen = Selection.from_dict(
        {"amount": 4.0, "weight": 0.25, "filtered": True, "cv_balanced_accuracy": {}}
    )
    assert chosen.key == "x4@w0.25+filter"
    assert Selection.from_dict({"amount": 2.0, "filtered": False, "cv_balanced_accuracy": {}}).key == "x2"


def test_beats_needs_a_positive_mean_and_under_one_se_more_than_one_error():
    simpler = np.array([0.8, 0.8, 0.8])
    assert beats(np.array([0.81, 0.82, 0.83]), simpler, "one-se")
    assert not beats(np.array([0.8, 0.8, 0.8]), simpler, "one-se")
    assert not beats(np.array([0.7, 0.8, 1.0]), simpler, "one-se")  # mean +3.3, error 8.8
    assert beats(np.array([0.7, 0.8, 1.0]), simpler, "best")
    assert not beats(simpler, simpler, "best")


def test_repeated_passes_average_every_fold_but_keep_the_error_of_one_pass():
    simpler = np.full((4, 3), 0.8)
    # differences +0.01 +- 0.03 over 12 folds: the mean clears the spread over root 12 (0.0087)
    # but not over root 3, the folds of one pass (0.017): repeats do not count as new evidence
    richer = simpler + np.array(
        [[0.04, -0.02, 0.01], [0.04, -0.02, 0.01], [-0.02, 0.04, 0.01], [0.01, 0.01, 0.01]]
    )
    difference = (richer - simpler).ravel()
    spread = np.std(difference, ddof=1)
    assert spread / np.sqrt(12) < difference.mean() < spread / np.sqrt(3)
    assert not beats(richer, simpler, "one-se")
    assert beats(richer, simpler, "best")
    # one lucky pass among four: the average over the passes no longer clears one error
    lucky = simpler.copy()
    lucky[0] += [0.02, 0.03, 0.04]
    assert beats(lucky[:1], simpler[:1], "one-se")
    assert not beats(lucky, simpler, "one-se")
    assert choose({Candidate(0.0): simpler, Candidate(1.0): lucky}, "one-se").amount == 0.0


def test_the_rule_is_a_setting_recorded_with_the_result():
    assert EvaluationConfig().selection_rule == "one-se"
    assert set(SELECTION_RULES) == {"one-se", "best"}
    with pytest.raises(ValueError, match="selection_rule"):
        EvaluationConfig(selection_rule="lucky")
    rng = np.random.default_rng(0)
    y = np.arange(40) % 2
    real = Samples(rng.normal(0, 1, (40, 2)) + y[:, None], y, 2)
    from sklearn.linear_model import LogisticRegression

    result = run_protocol(
        real=real,
        synthetic=real,
        test=real,
        classifiers={"logistic": lambda seed, classic: LogisticRegression(random_state=seed)},
        kind="tabular",
        settings=ProtocolSettings(seeds=2, replicates=200, rule="one-se"),
    )
    assert result["settings"]["selection_rule"] == "one-se"
    selection = result["classifiers"]["logistic"]["selection"]["synthetic"]
    assert selection["rule"] == "one-se"
    assert selection["best_cv_candidate"] in selection["cv_balanced_accuracy"]


def test_a_preferred_candidate_counts_as_the_simplest_under_one_se():
    # adding nothing scores a little higher on average, within one standard error of x4@w0.1
    cv = scores(x0=[0.86, 0.80, 0.90], x4_w0_1=[0.84, 0.82, 0.86], x1=[0.80, 0.78, 0.86])
    preferred = Candidate(4.0, 0.1)
    assert choose(cv, "one-se").amount == 0.0
    assert choose(cv, "one-se", preferred=preferred) == preferred
    # a preference that is not among the scored candidates changes nothing
    assert choose(cv, "one-se", preferred=Candidate(2.0)).amount == 0.0


def test_the_preferred_candidate_gives_way_only_to_one_that_beats_it_by_more_than_one_error():
    preferred = Candidate(4.0, 0.1)
    # adding nothing wins every fold: the preferred images hurt
    hurt = scores(x0=[0.90, 0.88, 0.92], x4_w0_1=[0.84, 0.83, 0.86])
    assert choose(hurt, "one-se", preferred=preferred).amount == 0.0
    # x1 beats both in every fold: the simplest candidate within one error of it is x1 itself
    richer = scores(x0=[0.80, 0.82, 0.81], x4_w0_1=[0.81, 0.82, 0.82], x1=[0.88, 0.90, 0.89])
    assert choose(richer, "one-se", preferred=preferred).amount == 1.0


def test_once_beaten_the_preferred_candidate_leaves_the_choice_to_the_rule_which_can_add_nothing():
    # x4 beats the preferred x4@w0.1 in every fold but not adding nothing: the simplest candidate
    # within one error of x4 is then x0
    cv = scores(x0=[0.96, 0.92, 0.90], x4_w0_1=[0.90, 0.93, 0.93], x4=[0.94, 0.97, 0.93])
    assert choose(cv, "one-se", preferred=Candidate(4.0, 0.1)).amount == 0.0


def test_the_preference_applies_to_real_synthetic_and_is_recorded():
    rng = np.random.default_rng(0)
    y = np.arange(40) % 2
    # classes far apart: every candidate scores 1 in every fold, so only simplicity decides
    real = Samples(rng.normal(0, 1, (40, 2)) + 10 * y[:, None], y, 2)
    from sklearn.linear_model import LogisticRegression

    def protocol(preferred, kind="tabular"):
        return run_protocol(
            real=real,
            synthetic=real,
            test=real,
            classifiers={"logistic": lambda seed, classic: LogisticRegression(random_state=seed)},
            kind=kind,
            settings=ProtocolSettings(seeds=2, replicates=200, amounts=(0.0, 1.0), preferred=preferred),
        )

    plain, preferring = protocol(None), protocol((1.0, 1.0))
    before = plain["classifiers"]["logistic"]["selection"]
    after = preferring["classifiers"]["logistic"]["selection"]
    assert before["synthetic"]["amount"] == 0.0 and after["synthetic"]["amount"] == 1.0
    # SMOTE's amount is the classic baseline's, chosen as before; with no SMOTE rows the amount
    # on top of them is real+synthetic's own
    assert after["classic"]["amount"] == before["classic"]["amount"] == 0.0
    assert after["classic+synthetic"]["amount"] == 1.0
    # the amount on top of the classic augmentation is chosen by the rule alone
    images = protocol((1.0, 1.0), kind="image")["classifiers"]["logistic"]["selection"]
    assert images["synthetic"]["amount"] == 1.0 and images["classic+synthetic"]["amount"] == 0.0
    assert plain["settings"]["preferred"] is None
    assert preferring["settings"]["preferred"] == "x1"
    assert (
        "the preferred candidate x1 counts as the simplest" in preferring["settings"]["selection_rule_text"]
    )


def test_a_preferred_amount_must_be_a_candidate_of_the_one_se_rule():
    config = EvaluationConfig(amounts=[4], added_weights=[0.1], preferred_amount=4, preferred_weight=0.1)
    assert config.preferred == (4.0, 0.1)
    assert EvaluationConfig(preferred_amount=2).preferred == (2.0, 1.0)
    assert EvaluationConfig().preferred is None
    assert EvaluationConfig(preferred_amount=0).preferred is None  # adding nothing: no preference
    for wrong, message in (
        ({"preferred_amount": 3}, "preferred_amount 3 is not among amounts"),
        ({"preferred_amount": 4, "preferred_weight": 0.5}, "preferred_weight 0.5 is not among added_weights"),
        ({"preferred_amount": 0, "preferred_weight": 0.5}, "preferred_weight is set with preferred_amount 0"),
        ({"preferred_amount": 4, "selection_rule": "best"}, "preferred_amount needs selection_rule: one-se"),
    ):
        with pytest.raises(ValueError, match=message):
            EvaluationConfig(**wrong)
