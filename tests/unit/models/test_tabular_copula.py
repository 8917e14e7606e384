import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import norm

from synthaug.models.checkpoint import save_checkpoint
from synthaug.models.tabular_copula import TabularCopula, kernel_quantiles, silverman_bandwidth
from synthaug.pipeline.config import CopulaConfig, PrivacyConfig, TrainingConfig
from synthaug.pipeline.errors import UserInputError
from tests.frames import train_split


@pytest.fixture(scope="module")
def table():
    """Two classes that differ only in how x and y move together (+0.9 in 'pos', -0.9 in 'neg'),
    in how often colour is red (80% / 20%), and in how often w is missing (25% / none)."""
    rng = np.random.default_rng(0)
    parts = []
    for label, rho, red in (("pos", 0.9, 0.8), ("neg", -0.9, 0.2)):
        n = 200
        xy = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n)
        part = pd.DataFrame(
            {
                "x": xy[:, 0].round(4),
                "y": (10 + 3 * xy[:, 1]).round(4),
                "count": rng.integers(0, 5, n),
                "w": rng.normal(5, 1, n).round(3),
                "colour": np.where(rng.random(n) < red, "red", "blue").astype(object),
                "label": label,
            }
        )
        if label == "pos":
            part.loc[part.index[::4], "w"] = np.nan
        parts.append(part)
    return train_split(pd.concat(parts, ignore_index=True), "label")


@pytest.fixture(scope="module")
def copula(table):
    return TabularCopula(seed=0).fit(table)


@pytest.fixture(scope="module")
def rows(copula):
    return copula.sample(8000, labels=np.repeat(["pos", "neg"], 4000), seed=1).rows


def test_sample_has_exact_labels_original_columns_dtypes_and_categories(copula, table):
    synthetic = copula.sample(5, labels=["neg", "pos", "pos", "neg", "pos"], seed=3)
    assert synthetic.labels.tolist() == [0, 1, 1, 0, 1]  # classes sorted: neg, pos
    assert synthetic.rows["label"].tolist() == ["neg", "pos", "pos", "neg", "pos"]
    assert list(synthetic.rows.columns) == ["x", "y", "count", "w", "colour", "label"]
    assert isinstance(synthetic.rows["colour"].dtype, pd.CategoricalDtype)
    assert list(synthetic.rows["colour"].cat.categories) == list(table.data.features["colour"].cat.categories)
    assert synthetic.rows["count"].dtype == np.int64


def test_each_class_keeps_its_own_dependence_between_columns(rows):
    for label, sign in (("pos", 1), ("neg", -1)):
        part = rows[rows["label"] == label]
        correlation = np.corrcoef(part["x"], part["y"])[0, 1]
        # shrinkage moves it a little towards 0; 200 rows per class keep it near 0.9
        assert 0.8 < sign * correlation < 0.92


def test_marginals_keep_each_class_s_location_frequencies_and_missing_rate(rows, table):
    real = table.data.features.assign(label=np.asarray(table.data.classes)[table.data.labels])
    for label, red in (("pos", 0.8), ("neg", 0.2)):
        part, source = rows[rows["label"] == label], real[real["label"] == label]
        assert real["y"].min() <= part["y"].min() and part["y"].max() <= real["y"].max()  # the column's
        assert abs((part["colour"] == "red").mean() - (source["colour"] == "red").mean()) < 0.03
        assert abs((part["colour"] == "red").mean() - red) < 0.08
        assert set(part["count"].unique()) <= set(source["count"].unique())
        assert abs(part["y"].median() - source["y"].median()) < 0.3
    assert abs(rows.loc[rows["label"] == "pos", "w"].isna().mean() - 0.25) < 0.03
    assert rows.loc[rows["label"] == "neg", "w"].notna().all()


def test_per_class_marginals_stay_within_each_class_s_values(table):
    config = TrainingConfig(synthesizer="copula", copula=CopulaConfig(marginals="per-class"))
    drawn = (
        TabularCopula(config, seed=0).fit(table).sample(4000, labels=np.repeat(["pos", "neg"], 2000), seed=1)
    )
    real = table.data.features.assign(label=np.asarray(table.data.classes)[table.data.labels])
    for label in ("pos", "neg"):
        part, source = drawn.rows[drawn.rows["label"] == label], real[real["label"] == label]
        assert source["y"].min() <= part["y"].min() and part["y"].max() <= source["y"].max()


def test_seeded_sampling_and_a_cpu_safe_round_trip(copula, tmp_path):
    first = copula.sample(50, seed=7).rows
    pd.testing.assert_frame_equal(first, copula.sample(50, seed=7).rows)
    assert not first.equals(copula.sample(50, seed=8).rows)
    loaded = TabularCopula.load(copula.save(tmp_path / "copula.pt"))
    assert loaded.classes_ == copula.classes_
    pd.testing.assert_frame_equal(first, loaded.sample(50, seed=7).rows)


def test_refuses_another_model_file_and_private_training(tmp_path):
    path = tmp_path / "other.pt"
    save_checkpoint(path, {"format": "synthaug.tabular_cgan/1"})
    with pytest.raises(UserInputError, match="not a TabularCopula model file"):
        TabularCopula.load(path)
    with pytest.raises(UserInputError, match="differential privacy") as refused:
        TabularCopula(privacy=PrivacyConfig(enabled=True))
    assert refused.value.where == "training.synthesizer"


def test_a_class_of_one_row_gives_that_row(table):
    frame = table.data.features.assign(label=np.asarray(table.data.classes)[table.data.labels]).iloc[:50]
    frame = pd.concat([frame, frame.iloc[[0]].assign(label="solo")], ignore_index=True)
    rows = TabularCopula(seed=0).fit(train_split(frame, "label")).sample(3, labels="solo", seed=0).rows
    assert (rows["x"] == frame.iloc[0]["x"]).all() and (rows["y"] == frame.iloc[0]["y"]).all()


def test_silverman_bandwidth_against_a_hand_computed_value():
    # 0..9: sd 3.0277, IQR / 1.34 = 4.5 / 1.34 = 3.358, so 0.9 * 3.0277 * 10 ** -0.2
    assert silverman_bandwidth(np.arange(10.0)) == pytest.approx(1.71934, abs=1e-4)
    # mostly tied values: the IQR is 0, so the sd alone sets the width
    tied = np.array([0.0] * 8 + [1.0, 5.0])
    assert silverman_bandwidth(tied) == pytest.approx(0.9 * np.std(tied, ddof=1) * 10**-0.2)
    assert silverman_bandwidth(np.array([3.0])) == 0.0 and silverman_bandwidth(np.full(5, 2.0)) == 0.0


def test_kernel_quantiles_invert_the_kernel_density():
    # two values 10 apart, unit bandwidth: half the mass around each, so a quarter lies below 0
    values = np.array([0.0, 10.0])
    u = np.array([0.125, 0.25, 0.75, 0.875])
    expected = [norm.ppf(0.25), 0.0, 10.0, 10 + norm.ppf(0.75)]
    np.testing.assert_allclose(kernel_quantiles(values, 1.0, u), expected, atol=0.02)


@pytest.fixture(scope="module")
def smoothed(table):
    config = TrainingConfig(synthesizer="copula", copula=CopulaConfig(smoothing=1.0))
    return TabularCopula(config, seed=0).fit(table)


def test_smoothing_spreads_draws_beyond_a_class_s_values_but_not_the_column_s_range():
    # 15 rows per class: "low" in [0, 1], "high" in [5, 10], so the column's range is [0, 10]
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x": np.r_[rng.uniform(0, 1, 15), rng.uniform(5, 10, 15)].round(3),
            "y": rng.normal(size=30).round(3),
            "label": ["low"] * 15 + ["high"] * 15,
        }
    )
    split = train_split(frame, "label")
    low = frame.loc[frame["label"] == "low", "x"]
    plain, smooth = (
        TabularCopula(TrainingConfig(synthesizer="copula", copula=copula), seed=0)
        .fit(split)
        .sample(4000, labels="low", seed=1)
        .rows["x"]
        for copula in (
            CopulaConfig(marginals="per-class", truncation=1.0),  # the kernel's spread, untruncated
            CopulaConfig(marginals="per-class", smoothing=1.0, truncation=1.0),
        )
    )
    assert plain.between(low.min(), low.max()).all()  # the empirical quantiles interpolate only
    assert (smooth > low.max()).mean() > 0.02 and smooth.std() > plain.std()
    assert smooth.min() >= frame["x"].min()  # the kernel's tail below 0 is clipped to the range
    assert abs(smooth.median() - low.median()) < 0.1


def test_smoothing_keeps_each_class_s_dependence_integers_and_missing_rate(smoothed):
    drawn = smoothed.sample(8000, labels=np.repeat(["pos", "neg"], 4000), seed=1).rows
    for label, sign in (("pos", 1), ("neg", -1)):
        part = drawn[drawn["label"] == label]
        assert 0.75 < sign * np.corrcoef(part["x"], part["y"])[0, 1] < 0.92
        assert set(part["count"].unique()) <= set(range(5))
    assert drawn["count"].dtype == np.int64
    assert abs(drawn.loc[drawn["label"] == "pos", "w"].isna().mean() - 0.25) < 0.03


def test_smoothing_survives_a_round_trip_and_older_files_load_unsmoothed(smoothed, copula, tmp_path):
    loaded = TabularCopula.load(smoothed.save(tmp_path / "smoothed.pt"))
    pd.testing.assert_frame_equal(smoothed.sample(50, seed=7).rows, loaded.sample(50, seed=7).rows)
    state = torch.load(copula.save(tmp_path / "plain.pt"), weights_only=True)
    for class_state in state["copulas"]:
        del class_state["bandwidth"]  # as written before smoothing existed
        del class_state["shrinkage"]  # and before the shrinkage was recorded
    save_checkpoint(tmp_path / "older.pt", state)
    older = TabularCopula.load(tmp_path / "older.pt")
    pd.testing.assert_frame_equal(copula.sample(50, seed=7).rows, older.sample(50, seed=7).rows)
    assert all(np.isnan(c.shrinkage) for c in older.copulas_)
    assert all(0 < c.shrinkage < 1 for c in copula.copulas_)  # Ledoit-Wolf's, recorded


def test_independence_moves_each_class_s_correlation_toward_the_identity(copula, table):
    def loosened(independence):
        config = TrainingConfig(synthesizer="copula", copula=CopulaConfig(independence=independence))
        return TabularCopula(config, seed=0).fit(table)

    half, independent = loosened(0.5), loosened(1.0)
    for fitted, blended in zip(copula.copulas_, half.copulas_, strict=True):
        expected = 0.5 * fitted.correlation + 0.5 * np.eye(len(fitted.correlation))
        np.testing.assert_allclose(blended.correlation, expected)
    assert all(np.array_equal(c.correlation, np.eye(len(c.correlation))) for c in independent.copulas_)
    drawn = {
        name: model.sample(8000, labels=np.repeat(["pos", "neg"], 4000), seed=1).rows
        for name, model in (("half", half), ("independent", independent))
    }

    def correlation(rows, label):
        part = rows[rows["label"] == label]
        return np.corrcoef(part["x"], part["y"])[0, 1]

    for label, sign in (("pos", 1), ("neg", -1)):  # 0.9 fitted: about half, then none
        assert 0.35 < sign * correlation(drawn["half"], label) < 0.55
        assert abs(correlation(drawn["independent"], label)) < 0.05
    # the marginals are the class's own either way
    real = table.data.features.assign(label=np.asarray(table.data.classes)[table.data.labels])

    def red(rows):  # (per class) share of red
        return rows["colour"].eq("red").groupby(rows["label"]).mean()

    assert (red(drawn["independent"]) - red(real)).abs().max() < 0.02


def fitted_with(table, **copula) -> TabularCopula:
    return TabularCopula(TrainingConfig(synthesizer="copula", copula=CopulaConfig(**copula)), seed=0).fit(
        table
    )


def test_truncation_draws_each_class_nearer_its_median_and_keeps_its_dependence(table):
    untruncated, truncated = fitted_with(table, truncation=1.0), fitted_with(table, truncation=0.5)
    for fitted, same in zip(untruncated.copulas_, truncated.copulas_, strict=True):  # only sampling changes
        np.testing.assert_array_equal(fitted.correlation, same.correlation)
    labels = np.repeat(["pos", "neg"], 4000)
    rows = untruncated.sample(8000, labels=labels, seed=1).rows
    drawn = truncated.sample(8000, labels=labels, seed=1).rows
    for label, sign in (("pos", 1), ("neg", -1)):
        full, narrow = rows[rows["label"] == label], drawn[drawn["label"] == label]
        # a normal score at half its spread: x (standard normal within the class) about half as wide
        assert 0.4 < narrow["x"].std() / full["x"].std() < 0.6
        assert abs(narrow["x"].median() - full["x"].median()) < 0.05
        # the ranks' dependence is unchanged by scaling every score alike
        assert 0.8 < sign * np.corrcoef(narrow["x"], narrow["y"])[0, 1] < 0.92
    # categories are not truncated: each class keeps its training rows' share of red (about 80% / 20%)
    real = table.data.features.assign(label=np.asarray(table.data.classes)[table.data.labels])

    def red(frame):  # (per class) share of red
        return frame["colour"].eq("red").groupby(frame["label"]).mean()

    assert (red(drawn) - red(real)).abs().max() < 0.02


def test_truncation_of_one_draws_the_fitted_copula_and_survives_a_round_trip(table, tmp_path):
    untruncated, truncated = fitted_with(table, truncation=1.0), fitted_with(table, truncation=0.6)
    class_copula = untruncated.copulas_[0]
    uniforms, _ = class_copula.draw(20, np.random.default_rng(3), truncation=1.0)
    correlation = class_copula.correlation
    z = np.random.default_rng(3).multivariate_normal(
        np.zeros(len(correlation)), correlation, 20, method="eigh"
    )
    np.testing.assert_allclose(uniforms, norm.cdf(z))  # psi = 1: the fitted copula's own draws
    loaded = TabularCopula.load(truncated.save(tmp_path / "truncated.pt"))
    assert loaded.config.copula.truncation == 0.6
    pd.testing.assert_frame_equal(loaded.sample(50, seed=4).rows, truncated.sample(50, seed=4).rows)
    assert not truncated.sample(50, seed=4).rows.equals(untruncated.sample(50, seed=4).rows)
    state = torch.load(truncated.save(tmp_path / "older.pt"), weights_only=True)
    del state["config"]["copula"]["truncation"]  # as written before the setting existed
    save_checkpoint(tmp_path / "older.pt", state)
    older = TabularCopula.load(tmp_path / "older.pt")  # draws as it did then: untruncated
    assert older.config.copula.truncation == 1.0
    pd.testing.assert_frame_equal(older.sample(50, seed=4).rows, untruncated.sample(50, seed=4).rows)


def test_truncation_leaves_numeric_flags_and_small_counts_at_their_shares():
    # a 0/1 flag stored as a number, set in 20% of class a and 70% of class b, beside a wide column
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "flag": np.r_[rng.random(200) < 0.2, rng.random(200) < 0.7].astype(np.int64),
            "x": rng.normal(size=400).round(4),
            "label": ["a"] * 200 + ["b"] * 200,
        }
    )
    split = train_split(frame, "label")
    labels = np.repeat(["a", "b"], 4000)
    drawn = fitted_with(split, truncation=0.5).sample(8000, labels=labels, seed=1).rows
    plain = fitted_with(split, truncation=1.0).sample(8000, labels=labels, seed=1).rows
    share = frame.groupby("label")["flag"].mean()
    assert (drawn.groupby("label")["flag"].mean() - share).abs().max() < 0.03
    assert drawn["x"].std() < 0.6 * plain["x"].std()  # while the wide column is truncated


@pytest.mark.parametrize("truncation", [0.0, -0.5, 1.5])
def test_truncation_outside_zero_to_one_is_refused(truncation):
    with pytest.raises(ValueError, match="truncation"):
        CopulaConfig(truncation=truncation)


def test_the_empirical_estimate_keeps_the_sample_correlation_that_ledoit_wolf_shrinks(table):
    """On 15 rows per class: empirical is the Pearson correlation of the mid-rank normal scores;
    Ledoit-Wolf pulls the strong x-y dependence toward zero."""
    features = table.data.features.assign(label=np.asarray(table.data.classes)[table.data.labels])
    few = features.groupby("label", group_keys=False).head(15).reset_index(drop=True)
    scarce = train_split(few, "label")

    def fitted(estimate):
        config = TrainingConfig(synthesizer="copula", copula=CopulaConfig(correlation=estimate))
        return TabularCopula(config, seed=0).fit(scarce)

    shrunk, sample = fitted("ledoit-wolf"), fitted("empirical")
    for k, label in enumerate(sample.classes_):
        part = few[few["label"] == label]
        scores = [norm.ppf((part[c].rank(method="average") - 0.5) / len(part)) for c in ("x", "y")]
        expected = np.corrcoef(scores)[0, 1]
        assert sample.copulas_[k].correlation[0, 1] == pytest.approx(expected, abs=1e-9)
        assert 0 < abs(shrunk.copulas_[k].correlation[0, 1]) < abs(expected) - 0.05
        assert np.allclose(np.diag(sample.copulas_[k].correlation), 1.0)


def test_the_empirical_estimate_fits_one_column_and_a_two_row_class_and_round_trips(tmp_path):
    frame = pd.DataFrame({"x": [0.1, 0.4, 0.2, 0.9, 1.3, 0.5, 2.0], "label": ["a"] * 5 + ["b"] * 2})
    config = TrainingConfig(synthesizer="copula", copula=CopulaConfig(correlation="empirical"))
    model = TabularCopula(config, seed=0).fit(train_split(frame, "label"))
    assert all(c.correlation.tolist() == [[1.0]] for c in model.copulas_)
    loaded = TabularCopula.load(model.save(tmp_path / "empirical.pt"))
    assert loaded.config.copula.correlation == "empirical"
    pd.testing.assert_frame_equal(model.sample(20, seed=3).rows, loaded.sample(20, seed=3).rows)
