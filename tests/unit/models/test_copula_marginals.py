import numpy as np
import pandas as pd
import pytest

from synthaug.models.copula_marginals import MIN_DISTINCT, poolable, pooled_marginals
from synthaug.models.tabular_copula import TabularCopula
from synthaug.pipeline.config import CopulaConfig, TrainingConfig
from tests.frames import train_split


def test_each_class_keeps_its_mean_and_spread_and_takes_every_class_s_shape():
    rng = np.random.default_rng(0)
    small, large = np.sort(rng.gamma(2.0, 1.0, 15)), np.sort(10 + 3 * rng.normal(size=12))
    pooled = pooled_marginals([small, large], low=-100.0, high=100.0)
    assert [len(v) for v in pooled] == [27, 27]
    for before, after in zip([small, large], pooled, strict=True):
        assert after.mean() == pytest.approx(before.mean())
        assert after.std() == pytest.approx(before.std())
        assert np.all(np.diff(after) >= 0)
    # one shape: the classes' pooled values are an affine map of each other
    standardised = [(v - v.mean()) / v.std() for v in pooled]
    np.testing.assert_allclose(standardised[0], standardised[1])
    # the column's range bounds them
    clipped = pooled_marginals([small, large], low=0.0, high=12.0)
    assert min(v.min() for v in clipped) >= 0.0 and max(v.max() for v in clipped) <= 12.0


def test_only_columns_with_enough_distinct_values_in_every_class_are_pooled():
    many = np.arange(MIN_DISTINCT, dtype=float)
    assert poolable([many, many + 3])
    assert not poolable([many, np.array([0.0, 1.0, 1.0, 0.0, 1.0, 1.0])])  # binary in one class
    assert not poolable([many, None])  # a categorical column


@pytest.fixture(scope="module")
def table():
    """Two classes of 15 rows: x of one shape at overlapping locations and spreads, a 0/1 flag, a colour."""
    rng = np.random.default_rng(1)
    parts = []
    for label, centre, spread in (("small", 5.0, 1.0), ("large", 4.0, 3.0)):
        n = 15
        x = centre + spread * rng.standard_exponential(n)
        parts.append(
            pd.DataFrame(
                {
                    "x": x.round(3),
                    "y": (2 * x + rng.normal(0, spread, n)).round(3),
                    "flag": rng.integers(0, 2, n),
                    "colour": rng.choice(["red", "blue"], n).astype(object),
                    "label": label,
                }
            )
        )
    return train_split(pd.concat(parts, ignore_index=True), "label")


def fitted(table, marginals: str, smoothing: float = 0.0) -> TabularCopula:
    copula = CopulaConfig(marginals=marginals, smoothing=smoothing)
    return TabularCopula(TrainingConfig(synthesizer="copula", copula=copula), seed=0).fit(table)


def test_pooled_copula_draws_from_every_row_s_quantiles_with_each_class_s_dependence(table, tmp_path):
    own, pooled = fitted(table, "per-class"), fitted(table, "pooled")
    columns = [e.column.name for e in pooled.transformer_.encodings_]
    x, flag = columns.index("x"), columns.index("flag")
    for k in range(2):
        assert len(own.copulas_[k].values[x]) == 15 and len(pooled.copulas_[k].values[x]) == 30
        np.testing.assert_array_equal(pooled.copulas_[k].values[flag], own.copulas_[k].values[flag])
        np.testing.assert_array_equal(pooled.copulas_[k].correlation, own.copulas_[k].correlation)
    labels = np.repeat(["small", "large"], 2000)
    features, real_labels = table.data.features, np.asarray(table.data.classes)[table.data.labels]

    def outside_own_range(model: TabularCopula) -> list[bool]:
        """Per class: whether some drawn x lies outside the class's observed x."""
        rows = model.sample(4000, labels=labels, seed=2).rows
        found = []
        for label in ("small", "large"):
            own_x, drawn = features.loc[real_labels == label, "x"], rows.loc[rows["label"] == label, "x"]
            found.append(bool((drawn < own_x.min()).any() or (drawn > own_x.max()).any()))
        return found

    # per class, draws stay between the class's observed values; pooled, its shape comes from every
    # row, so some class's draws leave its own range (staying inside the column's)
    assert outside_own_range(own) == [False, False]
    assert any(outside_own_range(pooled))
    rows = pooled.sample(4000, labels=labels, seed=2).rows
    assert features["x"].min() <= rows["x"].min() and rows["x"].max() <= features["x"].max()
    assert set(rows["flag"]) <= {0, 1}
    loaded = TabularCopula.load(pooled.save(tmp_path / "pooled.pt"))
    pd.testing.assert_frame_equal(loaded.sample(50, seed=3).rows, pooled.sample(50, seed=3).rows)


def test_smoothed_pooled_marginals_take_the_bandwidth_of_the_pooled_values(table):
    own, pooled = fitted(table, "per-class", 1.0), fitted(table, "pooled", 1.0)
    x = [e.column.name for e in pooled.transformer_.encodings_].index("x")
    for k in range(2):
        assert 0 < pooled.copulas_[k].bandwidth[x] != own.copulas_[k].bandwidth[x]
