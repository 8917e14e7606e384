"""The snapshot-ensemble benchmark: which weights it keeps, and how its pools are made."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from benchmarks.generator_snapshots import against_last_step, audit_table, snapshot_generators, snapshot_pools
from benchmarks.simple_image_generators import AMOUNT
from synthaug.evaluation.samples import Samples
from synthaug.pipeline.config import PrivacyConfig
from tests.settings import tiny_training
from tests.unit.models.conftest import digits_train  # noqa: F401 (a fixture)


def differs(a: dict, b: dict) -> bool:
    return any(not torch.equal(a[k], b[k]) for k in a)


@pytest.mark.slow
def test_the_snapshots_are_the_ema_generator_at_each_step_and_the_last_is_the_fitted_one(digits_train):  # noqa: F811
    config = tiny_training("image", steps=6, checkpoint_every=5)
    gan, snapshots = snapshot_generators(config, digits_train, [2, 4], seed=0, privacy=PrivacyConfig())
    assert sorted(snapshots) == [2, 4, 6]
    fitted = gan.ema_generator_.state_dict()
    assert not differs(snapshots[6], fitted)
    assert differs(snapshots[2], snapshots[4]) and differs(snapshots[4], snapshots[6])
    # the same training with other snapshot steps (another checkpoint_every) reaches the same last
    # generator: taking snapshots changes nothing
    plain, _ = snapshot_generators(config, digits_train, [3], seed=0, privacy=PrivacyConfig())
    assert not differs(plain.ema_generator_.state_dict(), fitted)


def test_snapshots_outside_the_training_are_refused(digits_train):  # noqa: F811
    with pytest.raises(SystemExit, match="between 0 and training.steps"):
        snapshot_generators(tiny_training("image"), digits_train, [6], seed=0, privacy=PrivacyConfig())


class MarkedGan:
    """Samples images whose every pixel is the loaded snapshot's mark, classes in turn."""

    classes_ = ("a", "b")

    def __init__(self):
        self.ema_generator_ = SimpleNamespace(load_state_dict=self.load)
        self.mark = None

    def load(self, weights: dict) -> None:
        self.mark = weights["mark"]

    def sample(self, n: int, *, seed: int):
        return SimpleNamespace(images=np.full((n, 2, 2, 1), self.mark, np.uint8), labels=np.arange(n) % 2)


def test_each_ensemble_draws_equal_shares_of_its_snapshots_and_every_pool_the_amount_per_class():
    real = Samples(np.zeros((12, 2, 2, 1), np.uint8), np.repeat([0, 1], 6), 2)
    bench = SimpleNamespace(real=real, k=2)
    pools = snapshot_pools(bench, MarkedGan(), {10: {"mark": 1}, 20: {"mark": 2}, 30: {"mark": 3}})
    assert list(pools) == ["step 10", "step 20", "step 30", "ensemble 10..30", "ensemble 20..30"]
    for name, pool in pools.items():
        assert np.bincount(pool.y).tolist() == [AMOUNT * 6, AMOUNT * 6], name
    assert set(pools["step 20"].x.ravel()) == {2}
    for k in (0, 1):
        marks = pools["ensemble 10..30"].x[pools["ensemble 10..30"].y == k, 0, 0, 0]
        assert np.bincount(marks).tolist() == [0, 8, 8, 8]
        marks = pools["ensemble 20..30"].x[pools["ensemble 20..30"].y == k, 0, 0, 0]
        assert np.bincount(marks).tolist() == [0, 0, 12, 12]


def test_the_audit_table_gives_each_pools_mean_and_worst_run():
    keys = ("share_closer_to_train", "near_copies", "membership_auc_either_way")
    per_run = [
        {"run": "a", **{f"step 9: {k}": v for k, v in zip(keys, (0.6, 0.0, 0.55), strict=True)}},
        {"run": "b", **{f"step 9: {k}": v for k, v in zip(keys, (0.7, 0.02, 0.51), strict=True)}},
    ]
    table = audit_table(per_run)
    assert table.to_dict("records") == [
        {
            "pool": "step 9",
            "share_closer_to_train (worst)": "0.650 (0.700)",
            "near_copies (worst)": "0.010 (0.020)",
            "membership_auc_either_way (worst)": "0.530 (0.550)",
        }
    ]
    assert isinstance(table, pd.DataFrame)


def test_every_pool_is_compared_with_the_last_steps_pool_on_the_same_runs():
    scores = [
        {
            "run": "a",
            "step 5: synthetic only": 80.0,
            "step 10: synthetic only": 82.0,
            "ensemble 5..10: synthetic only": 83.0,
        },
        {
            "run": "b",
            "step 5: synthetic only": 70.0,
            "step 10: synthetic only": 74.0,
            "ensemble 5..10: synthetic only": 75.0,
        },
    ]
    rows = against_last_step(scores).set_index("method")
    assert list(rows.index) == ["step 5", "ensemble 5..10"]  # step 10 is the reference
    assert rows.loc["step 5", "vs_last_step_points"] == -3.0
    assert rows.loc["ensemble 5..10", "per_run_points"] == "+1.00 / +1.00"
