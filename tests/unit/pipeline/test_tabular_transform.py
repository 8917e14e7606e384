import numpy as np
import pandas as pd
import pytest

from synthaug.pipeline.config import DatasetConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.tabular_transform import TabularTransformer


@pytest.fixture
def mixed(tmp_path):
    rng = np.random.default_rng(0)
    n = 300
    age = pd.array(rng.integers(18, 90, n), dtype="Int64")  # written without decimals: an integer column
    age[::17] = pd.NA
    income = np.concatenate([rng.normal(20_000, 2_000, n // 2), rng.normal(90_000, 5_000, n - n // 2)])
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    colour[::23] = ""
    labels = rng.choice(["a", "b"], n)
    frame = pd.DataFrame({"age": age, "income": income.round(2), "colour": colour, "y": labels})
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    return load_dataset(DatasetConfig(source=str(path), target="y"))


def test_round_trip_is_exact_for_categories_and_integers_and_close_for_floats(mixed):
    assert mixed.schema.column("age").integer
    transformer = TabularTransformer(seed=0).fit(mixed.features, mixed.schema)
    encoded = transformer.transform(mixed.features)
    assert encoded.shape == (len(mixed), transformer.output_width) and encoded.dtype == np.float32
    back = transformer.inverse_transform(encoded)
    original = mixed.features
    assert back["colour"].astype(object).where(back["colour"].notna(), None).tolist() == (
        original["colour"].astype(object).where(original["colour"].notna(), None).tolist()
    )
    pd.testing.assert_series_equal(back["age"], original["age"], check_dtype=False)
    np.testing.assert_allclose(back["income"], original["income"], rtol=1e-4)


def test_missing_values_are_restored_as_missing(mixed):
    transformer = TabularTransformer(seed=0).fit(mixed.features, mixed.schema)
    back = transformer.inverse_transform(transformer.transform(mixed.features))
    assert back["age"].isna().sum() == mixed.features["age"].isna().sum() > 0
    assert back["colour"].isna().sum() == mixed.features["colour"].isna().sum() > 0


def test_dtypes_and_category_sets_are_preserved(mixed):
    transformer = TabularTransformer(seed=0).fit(mixed.features, mixed.schema)
    back = transformer.inverse_transform(transformer.transform(mixed.features))
    assert isinstance(back["colour"].dtype, pd.CategoricalDtype)
    assert list(back["colour"].cat.categories) == list(mixed.features["colour"].cat.categories)
    assert back["income"].dtype == np.float64


def test_bimodal_columns_get_several_modes_and_spans_describe_the_layout(mixed):
    transformer = TabularTransformer(seed=0).fit(mixed.features, mixed.schema)
    spans = transformer.output_spans
    income = [s for s in spans if s.column == "income"]
    assert [s.kind for s in income] == ["scalar", "onehot"] and income[1].width >= 2
    colour = [s for s in spans if s.column == "colour"]
    assert colour[0].width == 4  # blue, green, red + missing
    assert sum(s.width for s in spans) == transformer.output_width


def test_random_scores_decode_within_bounds_and_never_to_unseen_values(mixed):
    transformer = TabularTransformer(seed=0).fit(mixed.features, mixed.schema)
    scores = np.random.default_rng(1).normal(size=(500, transformer.output_width)) * 3
    back = transformer.inverse_transform(scores)
    present = mixed.features["income"].dropna()
    assert back["income"].dropna().between(present.min(), present.max()).all()
    ages = back["age"].dropna()
    assert (ages == ages.round()).all() and ages.between(18, 89).all()
    assert set(back["colour"].dropna()) <= {"red", "green", "blue"}


def test_declared_bounds_are_used():
    data = load_dataset(DatasetConfig(source="bundled:breast_cancer"))
    transformer = TabularTransformer(seed=0, bounds={"mean radius": (0.0, 50.0)})
    transformer.fit(data.features, data.schema)
    scores = np.zeros((3, transformer.output_width))
    scores[:, 0] = 1.0  # the largest scalar of the first mode
    assert transformer.inverse_transform(scores)["mean radius"].max() <= 50.0


def test_too_many_categories_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"id": [f"u{i}" for i in range(50)], "y": ["a", "b"] * 25}).to_csv(path, index=False)
    data = load_dataset(DatasetConfig(source=str(path), target="y"))
    with pytest.raises(UserInputError, match="column 'id' has 50 categories.*drop_columns") as caught:
        TabularTransformer(max_categories=20).fit(data.features, data.schema)
    # it names the column, not dataset.categorical_columns (where 'id' is not listed)
    assert caught.value.where == "column 'id'" and "training.tabular.max_categories" in caught.value.hint
