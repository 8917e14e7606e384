import numpy as np
import pandas as pd
import pytest

from synthaug.pipeline.watermark.keys import WatermarkKey
from synthaug.pipeline.watermark.table_mark import ColumnCells, TableWatermark

KEY, OTHER = WatermarkKey(b"k" * 32), WatermarkKey(b"o" * 32)


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(0)
    n = 500
    return pd.DataFrame(
        {
            "x": rng.gamma(2.0, 3.0, n).round(3),
            "y": rng.normal(50, 10, n).round(2),
            "count": rng.integers(0, 200, n),
            "flag": rng.integers(0, 2, n),
            "name": rng.choice(["a", "b"], n),
        }
    )


def mark(rows) -> TableWatermark:
    columns = [
        ColumnCells.for_range(c, rows[c].min(), rows[c].max(), integer=c in ("count", "flag"))
        for c in ("x", "y", "count", "flag")
    ]
    return TableWatermark(KEY, columns)


def test_round_trip_wrong_key_and_unmarked(rows):
    watermark = mark(rows)
    marked = watermark.embed(rows)
    assert watermark.detect(marked).p_value < 1e-6
    assert not watermark.detect(rows).marked
    assert not TableWatermark(OTHER, watermark.columns).detect(marked).marked
    assert TableWatermark.from_params(KEY, watermark.params()).detect(marked).p_value < 1e-6


def test_nudges_stay_in_range_and_integers_stay_integers(rows):
    watermark = mark(rows)
    marked = watermark.embed(rows)
    assert [c.name for c in watermark.columns] == ["x", "y", "count"]  # a 0/1 column cannot carry a mark
    assert marked["count"].dtype == rows["count"].dtype and (marked["flag"] == rows["flag"]).all()
    for name in ("x", "y", "count"):
        assert marked[name].between(rows[name].min(), rows[name].max()).all()
        span = rows[name].max() - rows[name].min()
        assert (marked[name] - rows[name]).abs().max() <= span / 20 / 2 + 1
    assert (marked["name"] == rows["name"]).all()


@pytest.mark.parametrize(
    "attack",
    [
        lambda f, rng: f.sample(frac=0.5, random_state=1),
        lambda f, rng: f.assign(x=f["x"].round(3), y=f["y"].round(2)),
        lambda f, rng: f.assign(
            x=f["x"] + rng.normal(0, 0.02 * np.ptp(f["x"]), len(f)),
            y=f["y"] + rng.normal(0, 0.02 * np.ptp(f["y"]), len(f)),
        ),
    ],
    ids=["half-the-rows", "rounded", "noise-2pct"],
)
def test_detected_after_attacks(rows, attack):
    watermark = mark(rows)
    attacked = attack(watermark.embed(rows), np.random.default_rng(2))
    assert watermark.detect(attacked).p_value < 1e-3


def test_wrong_keys_stay_below_the_threshold_rate(rows):
    watermark = mark(rows)
    marked = watermark.embed(rows)
    hits = [
        TableWatermark(WatermarkKey(bytes([i]) * 32), watermark.columns).detect(marked).marked
        for i in range(200)
    ]
    assert sum(hits) <= 1
