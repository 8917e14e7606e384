"""The watermark-cost benchmark: the run's images drawn again unmarked, the same images marked with
several keys, and the same positions drawn from every version."""

from types import SimpleNamespace

import numpy as np
import pytest

from benchmarks.simple_image_generators import AMOUNT
from benchmarks.watermark_utility import KEYS, UNMARKED, derived_key, pools
from synthaug.evaluation.samples import Samples


def test_every_version_contributes_the_images_at_the_same_positions():
    real = Samples(np.zeros((6, 2, 2, 1), np.uint8), np.repeat([0, 1], 3), 2)
    bench = SimpleNamespace(real=real, k=2)
    labels = np.arange(40) % 2
    base = np.arange(40, dtype=np.uint8).reshape(40, 1, 1, 1).repeat(2, 1).repeat(2, 2)
    versions = {UNMARKED: base, "key 0": base + 100}
    drawn = pools(bench, versions, labels)
    assert np.array_equal(drawn["key 0"].x, drawn[UNMARKED].x + 100)
    assert np.array_equal(drawn["key 0"].y, drawn[UNMARKED].y)
    assert np.bincount(drawn[UNMARKED].y).tolist() == [AMOUNT * 3] * 2
    assert np.array_equal(labels[drawn[UNMARKED].x[:, 0, 0, 0]], drawn[UNMARKED].y)  # right labels


def test_the_derived_keys_repeat_per_run_and_differ_between_runs_and_indices(tmp_path):
    a, b = tmp_path / "run-a", tmp_path / "run-b"
    assert derived_key(a, 1) == derived_key(a, 1)
    assert len({derived_key(a, 1), derived_key(a, 2), derived_key(b, 1)}) == 3


@pytest.mark.slow
def test_a_kept_runs_images_are_drawn_again_and_its_own_key_reproduces_them(tmp_path):
    from benchmarks.synthetic_use import RunBench
    from benchmarks.verification_gain import dataset_config, run_pipeline
    from benchmarks.watermark_utility import unmarked_and_marked

    small = [
        "training.steps=8",
        "training.batch_size=10",
        "generation.per_class=20",
        "evaluation.enabled=false",
    ]
    config = dataset_config("digits", 0, tmp_path, full=False, data_dir=tmp_path, extra=small)
    run, _ = run_pipeline(config)
    bench = RunBench(run.final)
    # raises unless the unmarked images marked with the run's key are the run's stored ones
    versions, labels = unmarked_and_marked(bench, run.final, [])
    assert list(versions) == [UNMARKED] + [f"key {i}" for i in range(KEYS)]
    assert np.array_equal(labels, bench.synthetic.y)
    unmarked = versions[UNMARKED].astype(int)
    for i in range(KEYS):
        moved = np.abs(versions[f"key {i}"].astype(int) - unmarked)
        assert 0 < moved.max() <= 6  # the mark moves pixels by at most 6 grey levels
    assert not np.array_equal(versions["key 1"], versions["key 2"])


def test_noise_moves_every_channel_alike_within_its_level_and_stays_in_range():
    from benchmarks.watermark_utility import with_noise

    images = np.stack([np.full((4, 4, 3), v, np.uint8) for v in (0, 128, 255)] * 20)
    noisy = with_noise(images, 6, seed=0)
    moved = noisy.astype(int) - images.astype(int)
    assert noisy.dtype == np.uint8 and np.abs(moved).max() <= 6 and moved.any()
    middle = moved[1::3]  # grey 128: no clipping, so every channel moved alike
    assert (middle == middle[..., :1]).all() and middle.min() < 0 < middle.max()
    assert np.array_equal(with_noise(images, 6, seed=0), noisy)
