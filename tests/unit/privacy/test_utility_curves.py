"""The shipped privacy-utility curves: what they hold, and how a new measurement replaces an old one."""

from __future__ import annotations

from pathlib import Path

from synthaug.privacy.utility_curves import (
    REFERENCE_FILE,
    CurvePoint,
    UtilityCurve,
    curve_for,
    record_curve,
    reference_curves,
)


def curve(sha: str, private: float, dataset: str = "d") -> UtilityCurve:
    return UtilityCurve(
        dataset=dataset,
        sha256=sha,
        train_rows=100,
        classifier="logistic",
        real_only=0.9,
        points=(CurvePoint(None, 0.8), CurvePoint(3.0, private, 2.99), CurvePoint(1.0, 0.5, 0.998)),
        measured_at="2026-12-04T00:00:00+00:00",
        seeds=3,
        result="benchmarks/results/x.json",
    )


def test_a_missing_file_holds_no_curves(tmp_path: Path) -> None:
    assert reference_curves(tmp_path / "absent.json") == []


def test_recording_replaces_the_curve_of_the_same_data_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "curves.json"
    record_curve(curve("a" * 64, 0.6, "first"), path)
    record_curve(curve("b" * 64, 0.7, "second"), path)
    record_curve(curve("a" * 64, 0.65, "first again"), path)
    curves = reference_curves(path)
    assert [c.dataset for c in curves] == ["second", "first again"]
    assert curves[1] == curve("a" * 64, 0.65, "first again")  # the round trip keeps every field
    assert curve_for("a" * 64, curves).dataset == "first again"
    assert curve_for("c" * 64, curves) is None
    assert curve_for(None, curves) is None


def test_private_points_are_ordered_by_epsilon_and_the_plain_point_stands_apart() -> None:
    measured = curve("a" * 64, 0.6)
    assert [p.epsilon for p in measured.private_points] == [1.0, 3.0]
    assert measured.without_privacy == CurvePoint(None, 0.8)


def test_the_shipped_curves_cover_epsilon_1_3_10_and_no_privacy_on_four_datasets() -> None:
    curves = reference_curves(REFERENCE_FILE)
    assert {c.dataset for c in curves} >= {"digits", "breast_cancer", "crabs", "birthwt"}
    for measured in curves:
        assert [p.epsilon for p in measured.private_points] == [1.0, 3.0, 10.0]
        assert measured.without_privacy is not None
        assert all(p.epsilon_spent <= p.epsilon for p in measured.private_points)
        assert len(measured.sha256) == 64 and (REFERENCE_FILE.parents[1] / measured.result).is_file()
