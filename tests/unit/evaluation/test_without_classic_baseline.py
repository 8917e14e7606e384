"""evaluation.classic_baseline off: no classic condition is trained or selected, the synthetic data
are judged against real only, and what the run says leaves the classic comparison out."""

import numpy as np
import pytest

from synthaug.evaluation.conditions import REAL, REAL_SYNTHETIC, SYNTHETIC_ONLY
from synthaug.evaluation.gain import planned_fits, run_protocol
from synthaug.evaluation.run_verification import protocol_settings, summarise
from synthaug.evaluation.selection import ProtocolSettings
from synthaug.evaluation.statistics import GAIN
from synthaug.pipeline.config import EvaluationConfig
from synthaug.stages.dataset_card import verification_text
from tests.unit.evaluation.stand_ins import helps_only, marked_images
from tests.unit.evaluation.test_gain_on_top import SmoteAndSynthetic, run_stand_in, smote_rows


def image_run(*, classic: bool, helps_with_classic: bool = False) -> tuple[dict, list[bool], int]:
    """The protocol on stand-in images; the result, the ``classic`` flag of every fit, the planned fits."""
    real, test = marked_images(24, synthetic=False), marked_images(40, synthetic=False, offset=1)
    pool = marked_images(200, synthetic=True)
    inner, calls = helps_only(with_classic=helps_with_classic), []

    def make(seed, augment):
        calls.append(augment)
        return inner(seed, augment)

    settings = ProtocolSettings(
        seeds=2, folds=3, amounts=(0.0, 1.0, 2.0), filtering=False, replicates=200, classic=classic
    )
    result = run_protocol(
        real=real, synthetic=pool, test=test, classifiers={"cnn": make}, kind="image", settings=settings
    )
    planned = planned_fits(
        real_counts=real.counts(), synthetic_counts=pool.counts(), kind="image", settings=settings
    )
    return result, calls, planned


def test_images_without_the_classic_baseline_never_train_with_the_augmentation():
    result, calls, planned = image_run(classic=False)
    cnn = result["classifiers"]["cnn"]
    assert set(cnn["conditions"]) == {REAL, REAL_SYNTHETIC, SYNTHETIC_ONLY}
    assert set(cnn["selection"]) == {"synthetic"} and cnn["selection"]["synthetic"]["amount"] == 1.0
    assert "paired_vs_classic" not in cnn and "paired_vs_synthetic" not in cnn
    assert not any(calls)  # no fit asked for the classic augmentation, in selection or scoring
    assert len(calls) == planned == 2 * 3 + 3 * 3  # 2 seeds x 3 conditions; 3 folds x 3 amounts
    assert (cnn["recommendation"]["option"], cnn["verdict"]) == ("synthetic", GAIN)
    assert [e["comparison"] for e in cnn["recommendation"]["evidence"]] == ["real+synthetic vs real"]
    assert result["settings"]["classic_baseline"] is False
    assert "the classic baseline was left out" in result["verdict_rule"]
    # the same samples with the baseline scored: it is trained, and the synthetic data must beat it
    with_baseline, calls, planned = image_run(classic=True)
    assert len(with_baseline["classifiers"]["cnn"]["conditions"]) == 5 and any(calls)
    assert len(calls) == planned and with_baseline["settings"]["classic_baseline"] is True


def test_images_whose_samples_help_only_with_the_augmentation_get_no_gain_without_it():
    result, _, _ = image_run(classic=False, helps_with_classic=True)
    cnn = result["classifiers"]["cnn"]
    assert cnn["selection"]["synthetic"]["amount"] == 0.0
    assert (
        cnn["recommendation"]["option"] == "real only" and result["recommendation"]["option"] == "real only"
    )


def test_tables_without_the_classic_baseline_make_no_smote_rows_and_say_so():
    result = run_stand_in(needs_smote=False, whole=True, classic=False)
    stand_in = result["classifiers"]["stand-in"]
    assert set(stand_in["conditions"]) == {REAL, REAL_SYNTHETIC, SYNTHETIC_ONLY}
    assert set(stand_in["selection"]) == {"synthetic"}
    assert not any(smote_rows(ids) for ids in SmoteAndSynthetic.fits)  # no SMOTE row in any fit
    planned = planned_fits(
        real_counts=np.array([12, 12]),
        synthetic_counts=np.array([100, 100]),
        kind="tabular",
        settings=ProtocolSettings(seeds=2, folds=3, amounts=(0.0, 1.0), filtering=False, classic=False),
    )
    assert len(SmoteAndSynthetic.fits) == planned == 2 * 3 + 3 * 2  # 3 conditions; 3 folds x 2 amounts
    assert stand_in["recommendation"]["option"] == "synthetic"

    summary = summarise(result)
    assert summary["classic_baseline"] is False
    assert not any(key.startswith("vs_classic") for key in summary["classifiers"]["stand-in"])
    card = verification_text(summary)
    assert "beat real only for every downstream classifier on real held-out data (no classic baseline" in card
    assert "vs classic" not in card
    table = [line for line in card.splitlines() if line.startswith("|")]
    assert len(table) == 3 and len({line.count("|") for line in table}) == 1  # header, rule, one row


@pytest.mark.parametrize("classic", [True, False])
def test_the_setting_reaches_the_protocol(classic):
    assert protocol_settings(EvaluationConfig(classic_baseline=classic)).classic is classic


@pytest.mark.parametrize("classic", [True, False])
def test_the_fidelity_feature_cnn_trains_with_the_augmentation_only_where_it_is_scored(classic, monkeypatch):
    from synthaug.evaluation.fidelity import report
    from synthaug.evaluation.run_verification import fidelity_report

    asked = []

    class Stop(Exception):
        pass

    def recording_fit(make, seed, augment, samples):
        asked.append(augment)
        raise Stop

    monkeypatch.setattr(report, "fit", recording_fit)
    images = marked_images(20, synthetic=False)
    with pytest.raises(Stop):
        fidelity_report(
            images,
            marked_images(20, synthetic=True),
            images,
            kind="image",
            classes=["0", "1"],
            spec=EvaluationConfig(classic_baseline=classic),
            device="cpu",
        )
    assert asked == [classic]
