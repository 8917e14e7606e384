"""A private run's report places the run on the measured privacy-utility curves."""

from __future__ import annotations

from synthaug.privacy.utility_curves import UtilityCurve
from synthaug.reports.document import Figure, Paragraph
from synthaug.reports.privacy_section import own_point, privacy_section
from tests.unit.privacy.test_utility_curves import curve

SHA = "e" * 64


def gain(synthetic_only: float = 0.61, real: float = 0.93) -> dict:
    def condition(mean: float) -> dict:
        return {"balanced_accuracy": {"mean": mean, "low": mean - 0.01, "high": mean + 0.01, "n": 5}}

    scores = {"conditions": {"real": condition(real), "synthetic-only": condition(synthetic_only)}}
    return {"classifiers": {"random_forest": scores, "logistic": scores}}


def manifest(sha: str = SHA, epsilon: float | None = 2.996) -> dict:
    return {
        "data": {"uri": "bundled:breast_cancer", "sha256": sha},
        "privacy": None if epsilon is None else {"epsilon": epsilon, "delta": 1e-4},
    }


def texts(section) -> str:
    return " ".join(b.text for b in section.blocks if isinstance(b, Paragraph))


def figure_names(section) -> list[str]:
    return [b.name for b in section.blocks if isinstance(b, Figure)]


def test_a_private_run_on_measured_data_is_placed_on_its_own_curve() -> None:
    curves = [curve("a" * 64, 0.55, "other"), curve(SHA, 0.6, "breast_cancer")]
    section = privacy_section([], gain(), manifest(), curves)
    said = texts(section)
    assert "This run spent epsilon 3.00; a logistic classifier trained on its synthetic data alone" in said
    assert "balanced accuracy of 0.61 on the held-out real rows (trained on the real rows: 0.93)" in said
    assert "On the same data (breast_cancer: its 100 training rows" in said
    assert "scored epsilon 1: 0.50; epsilon 3: 0.60; without privacy 0.80; trained on the real rows 0.90" in (
        said
    )
    assert figure_names(section) == ["privacy_utility"]
    assert next(b for b in section.blocks if isinstance(b, Figure)).png.startswith(b"\x89PNG")


def test_unmeasured_data_get_the_other_curves_for_orientation_only() -> None:
    section = privacy_section([], gain(), manifest(sha="0" * 64), [curve("a" * 64, 0.55, "other")])
    assert "No privacy-utility curve has been measured on these data" in texts(section)
    assert figure_names(section) == ["privacy_utility"]


def test_without_verification_the_run_has_no_point_but_the_curves_show() -> None:
    section = privacy_section([], None, manifest(), [curve(SHA, 0.6)])
    assert "no verification measured its synthetic-only score" in texts(section)
    assert figure_names(section) == ["privacy_utility"]


def test_a_run_without_privacy_shows_no_curve() -> None:
    section = privacy_section([], gain(), manifest(epsilon=None), [curve(SHA, 0.6)])
    assert figure_names(section) == []
    assert "Differential privacy: none." in texts(section)


def test_the_point_prefers_the_classifier_the_curves_used_and_needs_both_scores() -> None:
    assert own_point(gain()) == ("logistic", 0.61, 0.93)
    only_forest = {"classifiers": {"random_forest": gain()["classifiers"]["random_forest"]}}
    assert own_point(only_forest) == ("random_forest", 0.61, 0.93)
    assert own_point({"classifiers": {"logistic": {"conditions": {}}}}) is None
    assert own_point(None) is None


def test_a_point_from_another_classifier_is_labelled_and_empty_curves_are_skipped() -> None:
    cnn_only = {"classifiers": {"cnn": gain()["classifiers"]["logistic"]}}
    empty = UtilityCurve(**{**curve("b" * 64, 0.5).__dict__, "points": ()})
    section = privacy_section([], cnn_only, manifest(), [curve(SHA, 0.6), empty])
    assert "a cnn classifier trained on its synthetic data alone" in texts(section)
    assert figure_names(section) == ["privacy_utility"]


def test_an_attack_that_works_the_other_way_round_is_explained() -> None:
    audited = {**gain(), "privacy_audit": {"membership_auc": 0.2, "membership_auc_either_way": 0.8}}
    said = texts(privacy_section([], audited, manifest(epsilon=None), []))
    assert "AUC of 0.20 is well below 0.5" in said and "'far means member' reaches 0.80" in said
    assert "generation.near_copy_quantile" in said
    for auc in (0.45, 0.7):  # near 0.5, or the usual direction: the table says it all
        usual = {
            **gain(),
            "privacy_audit": {"membership_auc": auc, "membership_auc_either_way": max(auc, 1 - auc)},
        }
        assert "far means member" not in texts(privacy_section([], usual, manifest(epsilon=None), []))
