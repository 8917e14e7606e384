"""The ceiling benchmark adds unused real rows as it says, and reads the tables goal the way the
gain summary does."""

import numpy as np
import pandas as pd
import pytest

from benchmarks import real_data_ceiling
from benchmarks.real_data_ceiling import TABLE_SETS, measure, summarise, tables_mean, with_added
from benchmarks.verification_gain import DATA_DIR  # not read for the bundled breast_cancer
from synthaug.evaluation.samples import Samples


def rows(ids: list[int], labels: list[int]) -> Samples:
    return Samples(pd.DataFrame({"row_id": ids}), np.array(labels), 2)


def test_more_real_rows_come_from_the_unused_pool_nested_and_capped_by_what_it_holds():
    real = rows([0, 1, 2, 3, 4], [0, 0, 0, 1, 1])  # 3 + 2 training rows
    unused = rows(list(range(100, 110)), [0] * 8 + [1] * 2)  # class 1 holds only 2 unused rows
    drawn = {
        amount: (train, added)
        for amount, train, added in with_added(real, unused, [1.0, 2.0], np.random.default_rng(0))
    }
    one, two = drawn[1.0], drawn[2.0]
    assert one[1] == [3, 2] and two[1] == [6, 2]  # class 1 runs out at 2x
    assert one[0].counts().tolist() == [6, 4] and two[0].counts().tolist() == [9, 4]
    assert one[0].x["row_id"].tolist()[:5] == [0, 1, 2, 3, 4]  # the training rows stay, first
    extra_one, extra_two = set(one[0].x["row_id"][5:]), set(two[0].x["row_id"][5:])
    assert extra_one <= extra_two and min(extra_two) >= 100  # unused rows only, 2x holding 1x
    labels = dict(zip(two[0].x["row_id"], two[0].y, strict=True))
    assert all(labels[i] == (0 if i < 108 else 1) for i in extra_two)  # each row keeps its class


def records(gains: dict[tuple[str, str], list[float]]) -> list[dict]:
    """One amount (1x) over real only (0.8), gains in points per seed."""
    return [
        {
            "dataset": dataset,
            "seed": seed,
            "classifier": classifier,
            "source": "real",
            "classic": False,
            "amount": 1.0,
            "baseline": 0.8,
            "difference": gain / 100,
            "train_per_class": [15, 15],
            "added_per_class": [15, 10],
            "pool_per_class": [40, 10],
        }
        for (dataset, classifier), per_seed in gains.items()
        for seed, gain in enumerate(per_seed)
    ]


def test_the_tables_mean_is_taken_per_seed_over_every_table_then_across_seeds():
    gains = {(d, c): [2.0, 4.0, 6.0] for d in TABLE_SETS for c in ("logistic", "random_forest")}
    gains["crabs", "logistic"] = [-1.0, -1.0, -1.0]  # one cell below the goal's floor
    table = summarise(records(gains))
    crabs = table[(table["dataset"] == "crabs") & (table["classifier"] == "logistic")].iloc[0]
    assert crabs["gain_points"] == -1.0 and crabs["rows_added"] == 25.0
    assert crabs["share_of_amount_added"] == pytest.approx(25 / 30, abs=1e-3)
    overall = tables_mean(records(gains), table).iloc[0]
    cells = 2 * len(TABLE_SETS)
    per_seed = [(g * (cells - 1) - 1.0) / cells for g in (2.0, 4.0, 6.0)]
    assert overall["mean_gain_points"] == pytest.approx(np.mean(per_seed), abs=0.01)
    assert overall["ci95_low"] < overall["mean_gain_points"] < overall["ci95_high"]
    assert overall["worst"] == "-1.00 (crabs, logistic)"
    assert bool(overall["mean_reaches_1.5"]) and not bool(overall["none_below_-0.5"])
    del gains["melanoma", "logistic"], gains["melanoma", "random_forest"]
    assert tables_mean(records(gains), summarise(records(gains))).empty  # the goal is over every table


def test_a_table_is_measured_on_its_scarce_split_with_real_and_copula_rows():
    measured = measure("breast_cancer", 0, [1.0], DATA_DIR, ("real", "copula"))
    assert [(r["classifier"], r["source"]) for r in measured] == [
        (c, s) for c in ("logistic", "random_forest") for s in ("real", "copula")
    ]
    real, copula = measured[0], measured[1]
    assert real["baseline"] == copula["baseline"]  # one real-only score per classifier
    assert copula["pool_per_class"] == [100, 100]  # generation.per_class of the example
    assert all(r["train_per_class"] == [15, 15] and r["added_per_class"] == [15, 15] for r in measured)
    assert all(0.5 < r["baseline"] <= 1 and -1 < r["difference"] < 1 and not r["classic"] for r in measured)


def test_images_are_measured_with_and_without_the_classic_augmentation_on_the_same_rows(monkeypatch):
    calls = []

    def fake(make, seed, classic, train, test):  # records the fit instead of training a CNN
        calls.append((classic, len(train), train.x.sum()))
        return 0.5 + 0.01 * len(train) / len(test) + 0.1 * classic

    monkeypatch.setattr(real_data_ceiling, "balanced_accuracy", fake)
    measured = measure("digits", 0, [1.0, 2.0], DATA_DIR)
    assert [(r["classic"], r["amount"]) for r in measured] == [
        (False, 1.0),
        (False, 2.0),
        (True, 1.0),
        (True, 2.0),
    ]
    assert all(
        r["train_per_class"] == [15] * 10 and r["added_per_class"] == [15 * r["amount"]] * 10
        for r in measured
    )
    assert {c[0] for c in calls} == {False, True} and len(calls) == 2 * 3 * 5  # 5 seeds x (alone, 1x, 2x)
    assert [c[1:] for c in calls if c[0]] == [c[1:] for c in calls if not c[0]]  # the same rows both ways
    assert all(r["difference"] > 0 for r in measured)


def test_overrides_reach_the_jobs_copula_and_a_variant_draws_per_class_rows_too():
    measured = measure(
        "breast_cancer", 0, [1.0], DATA_DIR, ("copula", "copula:empirical"), ["generation.per_class=40"]
    )
    assert [r["source"] for r in measured] == ["copula", "copula:empirical"] * 2
    assert all(r["pool_per_class"] == [40, 40] and r["added_per_class"] == [15, 15] for r in measured)
