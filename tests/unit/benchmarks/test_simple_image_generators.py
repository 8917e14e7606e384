"""The simple image generators of the benchmark, on hand-made pixels."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from benchmarks import common, simple_image_generators
from benchmarks.simple_image_generators import (
    AMOUNT,
    copula,
    gaussian,
    kept_runs_parser,
    measured_or_recorded,
    mixup,
    pool,
)
from benchmarks.synthetic_use import versus_reference
from synthaug.evaluation.samples import Samples
from synthaug.pipeline.layout import RESULT_FILE


def correlated_rows(n: int, seed: int = 0) -> np.ndarray:
    """(n, 3) pixels: the first two move together (correlation about 0.9), the third is constant."""
    rng = np.random.default_rng(seed)
    shared = rng.normal(size=n)
    first = 100 + 30 * shared
    second = 120 + 30 * (0.9 * shared + np.sqrt(1 - 0.9**2) * rng.normal(size=n))
    return np.column_stack([first, second, np.full(n, 7.0)])


@pytest.mark.parametrize("fit", [gaussian, copula])
def test_the_fitted_generators_keep_the_dependence_and_the_constant_pixel(fit):
    rows = correlated_rows(300)
    drawn = fit(rows, 4000, np.random.default_rng(1))
    assert drawn.shape == (4000, 3)
    assert np.corrcoef(drawn[:, 0], drawn[:, 1])[0, 1] == pytest.approx(0.9, abs=0.06)
    assert drawn[:, 0].mean() == pytest.approx(100, abs=3)
    assert drawn[:, 0].std() == pytest.approx(rows[:, 0].std(), rel=0.15)
    assert np.allclose(drawn[:, 2], 7.0, atol=1e-6)


def test_mixup_blends_two_rows_of_the_class_and_stays_between_them():
    rows = np.array([[0.0, 10.0], [100.0, 30.0]])
    drawn = mixup(rows, 500, np.random.default_rng(0))
    assert drawn[:, 0].min() >= 0 and drawn[:, 0].max() <= 100
    share = drawn[:, 0] / 100  # the first pixel tells the blend; the second follows it
    assert np.allclose(drawn[:, 1], 10 + 20 * share)
    assert ((share > 0.01) & (share < 0.99)).mean() > 0.4  # blends, not the endpoints


def test_a_pool_holds_the_amount_of_each_class_as_uint8_images_with_their_labels():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(12, 8, 8, 1), dtype=np.uint8)
    y = np.repeat([0, 1, 2], [6, 4, 2])
    real = Samples(x, y, 3)
    for augment in (False, True):
        drawn = pool(real, mixup, augment=augment, rng=np.random.default_rng(1))
        assert drawn.x.dtype == np.uint8 and drawn.x.shape[1:] == (8, 8, 1)
        assert np.bincount(drawn.y).tolist() == [int(AMOUNT * 6), int(AMOUNT * 4), int(AMOUNT * 2)]
    # without augmentation a class's blends stay within its own images' pixel range
    drawn = pool(real, mixup, augment=False, rng=np.random.default_rng(1))
    for k in range(3):
        own, made = x[y == k].astype(int), drawn.x[drawn.y == k].astype(int)
        assert (made >= own.min(axis=0) - 1).all() and (made <= own.max(axis=0) + 1).all()


def test_the_summary_gives_each_method_its_difference_from_the_reference_with_an_interval():
    per_run = pd.DataFrame(
        {"real+classic": [95.0, 96.0, 94.0], "pixel copula": [96.0, 96.5, 95.5]}, index=["a", "b", "c"]
    )
    rows = {row["method"]: row for row in versus_reference(per_run, "real+classic", interval=True)}
    copula_row = rows["pixel copula"]
    assert copula_row["vs_real+classic_points"] == pytest.approx(1.0)
    # differences 1.0 / 0.5 / 1.5: sd 0.5, so the half width is t(0.975, 2) * 0.5 / sqrt(3)
    half = stats.t.ppf(0.975, 2) * 0.5 / np.sqrt(3)
    assert copula_row["ci95_low"] == pytest.approx(1.0 - half, abs=0.01)
    assert copula_row["ci95_high"] == pytest.approx(1.0 + half, abs=0.01)
    assert copula_row["per_run_points"] == "+1.00 / +0.50 / +1.50"
    assert rows["real+classic"]["ci95_low"] == rows["real+classic"]["ci95_high"] == 0.0
    assert "ci95_low" not in versus_reference(per_run, "real+classic")[1]


def test_the_report_compares_runs_without_augmentation_with_real_only(tmp_path, monkeypatch):
    monkeypatch.setattr(simple_image_generators, "RESULTS", tmp_path)
    per_run = [
        {
            "run": run,
            "real+classic": 95.0 + i,
            "real only": 90.0 + i,
            "gan: share 0.5 at 4x": 95.5 + i,
            "gan: share 0.5 at 4x, no augmentation": 92.0 + i,
        }
        for i, run in enumerate(["a", "b"])
    ]
    simple_image_generators.write_markdown("some_result", per_run, "two runs")
    text = (tmp_path / "some_result.md").read_text(encoding="utf-8")
    with_augmentation, without = text.split("Without classic augmentation")
    assert "| gan: share 0.5 at 4x | 2 | 96.0 | 0.5 |" in with_augmentation
    assert "no augmentation" not in with_augmentation and "| real only |" not in with_augmentation
    assert "vs_real only_points" in without
    assert "| gan: share 0.5 at 4x, no augmentation | 2 | 92.5 | 2.0 |" in without


def test_kept_runs_are_measured_and_stored_and_written_again_from_the_stored_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "RESULTS", tmp_path / "results")
    runs = tmp_path / "runs"
    for name in ("bb", "a"):
        (runs / name / RESULT_FILE).parent.mkdir(parents=True)
        (runs / name / RESULT_FILE).write_text("{}")
    (runs / "unfinished").mkdir()
    parser, written = kept_runs_parser("a benchmark", "default"), []

    def write(name, rows, note):
        written.append((name, rows, note))

    args = parser.parse_args(["--runs", str(runs), "--result-name", "kept"])
    measured_or_recorded(parser, args, lambda run: {"score": len(run.name)}, write, note="how", amount=4.0)
    stored = json.loads((tmp_path / "results" / "kept.json").read_text())
    assert stored["note"] == "how" and stored["amount"] == 4.0
    assert stored["per_run"] == [{"run": "a", "score": 1}, {"run": "bb", "score": 2}]
    assert written == [("kept", stored["per_run"], "how")]
    args = parser.parse_args(["--from-result", "kept", "--result-name", "again"])
    measured_or_recorded(parser, args, lambda run: pytest.fail("nothing is measured"), write, note="other")
    assert written[1] == ("again", stored["per_run"], "how")
    args = parser.parse_args(["--from-result", "kept"])  # written again under its own name
    measured_or_recorded(parser, args, lambda run: pytest.fail("nothing is measured"), write, note="other")
    assert written[2] == ("kept", stored["per_run"], "how")
    args = parser.parse_args(["--runs", str(runs)])
    measured_or_recorded(parser, args, lambda run: {"score": 0}, write, note="how")
    assert written[3][0] == "default" and (tmp_path / "results" / "default.json").exists()
