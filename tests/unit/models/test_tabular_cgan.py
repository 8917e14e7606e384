import numpy as np
import pandas as pd
import pytest
import torch

from synthaug.models.checkpoint import load_checkpoint, save_checkpoint
from synthaug.models.tabular_cgan import TabularCGAN
from synthaug.models.tabular_data import ConditionSampler
from synthaug.models.training_metrics import MetricsLog
from synthaug.pipeline.config import DatasetConfig, TrainingConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.layout import CHECKPOINT_FILE, GRID_DIR, METRICS_FILE
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.split import TrainSplit
from tests.frames import train_split
from tests.settings import tiny_training


def stop_at_step_4(step: int) -> None:
    """An ``on_step`` that kills training after step 4, as Ctrl-C would."""
    if step == 4:
        raise KeyboardInterrupt


def tiny(**overrides) -> TrainingConfig:
    return tiny_training("tabular", **overrides)


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """Mixed columns with missing values; the category 'rare' exists only in rows kept out of training."""
    rng = np.random.default_rng(0)
    n = 80
    frame = pd.DataFrame(
        {
            "age": pd.array(rng.integers(20, 80, n), dtype="Int64"),
            "score": rng.normal(0, 1, n).round(3),
            "colour": rng.choice(["red", "green", "blue"], n).astype(object),
            "label": rng.choice(["yes", "no"], n),
        }
    )
    frame.loc[::9, "score"] = np.nan
    frame.loc[[3, 40], "colour"] = "rare"
    path = tmp_path_factory.mktemp("table") / "t.csv"
    frame.to_csv(path, index=False)
    data = load_dataset(DatasetConfig(source=str(path), target="label"))
    keep = np.array([i for i in range(n) if i not in (3, 40)])
    return TrainSplit(data.subset(keep), keep, keep)


@pytest.mark.slow
def test_sample_has_exact_labels_original_columns_dtypes_and_categories(table, tmp_path):
    gan = TabularCGAN(tiny(), seed=0).fit(table, workdir=tmp_path)
    synthetic = gan.sample(9, labels=["yes", "no", "yes", "yes", "no", "no", "yes", "no", "no"])
    rows = synthetic.rows
    assert synthetic.target == "label" and synthetic.labels.tolist() == [1, 0, 1, 1, 0, 0, 1, 0, 0]
    assert rows["label"].tolist() == ["yes", "no", "yes", "yes", "no", "no", "yes", "no", "no"]
    assert list(rows.columns) == ["age", "score", "colour", "label"]
    assert isinstance(rows["colour"].dtype, pd.CategoricalDtype)
    assert list(rows["colour"].cat.categories) == list(table.data.features["colour"].cat.categories)
    ages = rows["age"].dropna()
    assert (ages == ages.round()).all() and ages.between(20, 79).all()
    assert len(MetricsLog(tmp_path / METRICS_FILE).read()) == 6
    assert sorted(p.name for p in (tmp_path / GRID_DIR).iterdir()) == ["step_000003.csv", "step_000006.csv"]


@pytest.mark.slow
def test_a_category_unseen_in_training_never_appears(table, tmp_path):
    assert "rare" in table.data.schema.column("colour").categories  # known to the schema...
    assert "rare" not in set(table.data.features["colour"].dropna())  # ...but not in the training rows
    gan = TabularCGAN(tiny(), seed=0).fit(table, workdir=tmp_path)
    assert "rare" not in set(gan.sample(500, seed=3).rows["colour"].dropna())


@pytest.mark.slow
def test_fit_on_a_training_split_made_from_a_frame(tmp_path):
    frame = pd.DataFrame({"x": np.arange(40.0), "kind": ["a", "b"] * 20, "y": ["p", "q", "q", "p"] * 10})
    with pytest.raises(TypeError, match="fit takes a TrainSplit, not DataFrame"):
        TabularCGAN(tiny(steps=2), seed=0).fit(frame, workdir=tmp_path)
    gan = TabularCGAN(tiny(steps=2), seed=0).fit(train_split(frame, "y"), workdir=tmp_path)
    rows = gan.sample(4, labels="q").rows
    assert rows["y"].tolist() == ["q"] * 4 and set(rows["kind"]) <= {"a", "b"}


def test_batch_size_must_be_a_multiple_of_pac(table, tmp_path):
    with pytest.raises(
        UserInputError, match=r"training.batch_size \(25\) must be a multiple of training.tabular.pac"
    ):
        TabularCGAN(tiny(batch_size=25), seed=0).fit(table, workdir=tmp_path)


@pytest.mark.slow
def test_save_and_load_round_trip(table, tmp_path):
    gan = TabularCGAN(tiny(steps=2), seed=0).fit(table, workdir=tmp_path)
    loaded = TabularCGAN.load(gan.save(tmp_path / "m.pt"))
    pd.testing.assert_frame_equal(loaded.sample(20, seed=4).rows, gan.sample(20, seed=4).rows)


@pytest.mark.slow
def test_resumed_run_ends_with_the_same_weights(table, tmp_path):
    straight = TabularCGAN(tiny(), seed=2).fit(table, workdir=tmp_path / "a")

    with pytest.raises(KeyboardInterrupt):
        TabularCGAN(tiny(), seed=2).fit(table, workdir=tmp_path / "b", on_step=stop_at_step_4)
    resumed = TabularCGAN(tiny(), seed=2).fit(table, workdir=tmp_path / "b", resume=True)
    for (name, x), (_, y) in zip(
        straight.generator_.state_dict().items(), resumed.generator_.state_dict().items(), strict=True
    ):
        assert torch.equal(x, y), name


def test_resuming_refuses_other_training_settings_but_may_train_longer(table, tmp_path, caplog):
    with pytest.raises(KeyboardInterrupt):
        TabularCGAN(tiny(), seed=2).fit(table, workdir=tmp_path, on_step=stop_at_step_4)
    # an unset setting that now resolves to another default reads the same as an edited one
    with pytest.raises(UserInputError, match=r"training.lr_generator was 0.0002, now 0.001") as refused:
        TabularCGAN(tiny(lr_generator=1e-3), seed=2).fit(table, workdir=tmp_path, resume=True)
    assert refused.value.where == str(tmp_path / CHECKPOINT_FILE) and "start a new run" in refused.value.hint
    checkpoint = load_checkpoint(tmp_path / CHECKPOINT_FILE)
    assert checkpoint["settings"]["tabular"]["pac"] == 10  # resolved, not the unset None
    longer = TabularCGAN(tiny(steps=8, log_every=4), seed=2).fit(table, workdir=tmp_path, resume=True)
    assert longer.training_.steps == 8
    # a checkpoint written before settings were recorded resumes, with a warning
    del checkpoint["settings"]
    save_checkpoint(tmp_path / CHECKPOINT_FILE, checkpoint)
    with caplog.at_level("WARNING"):
        TabularCGAN(tiny(), seed=2).fit(table, workdir=tmp_path, resume=True)
    assert "predates recorded training settings" in caplog.text


def test_resuming_with_other_torch_threads_warns_that_the_weights_will_differ(table, tmp_path, caplog):
    with pytest.raises(KeyboardInterrupt):
        TabularCGAN(tiny(), seed=2).fit(table, workdir=tmp_path, on_step=stop_at_step_4)
    checkpoint = load_checkpoint(tmp_path / CHECKPOINT_FILE)
    assert checkpoint["torch_threads"] == torch.get_num_threads()
    with caplog.at_level("WARNING"):
        TabularCGAN(tiny(steps=6), seed=2).fit(table, workdir=tmp_path, resume=True)
    assert "torch threads" not in caplog.text  # the same threads: nothing to say
    checkpoint["torch_threads"] = torch.get_num_threads() + 3
    save_checkpoint(tmp_path / CHECKPOINT_FILE, checkpoint)
    with caplog.at_level("WARNING"):
        resumed = TabularCGAN(tiny(steps=8), seed=2).fit(table, workdir=tmp_path, resume=True)
    assert f"written with {torch.get_num_threads() + 3} torch threads" in caplog.text
    assert f"OMP_NUM_THREADS={torch.get_num_threads() + 3}" in caplog.text
    assert resumed.training_.steps == 8  # a warning, not a refusal


def test_training_by_sampling_favours_rare_values_by_log_frequency():
    codes = np.array([[0]] * 99 + [[1]])  # value 1 is rare: 1 row in 100
    sampler = ConditionSampler.from_data(codes, np.zeros(100, dtype=int), 1, [2])
    uniforms = np.random.default_rng(0).random((20_000, 3))
    _, _, slots = sampler.draw(uniforms, log_frequency=True)
    share = (slots == 1).mean()
    assert share == pytest.approx(np.log(2) / (np.log(2) + np.log(100)), abs=0.01)  # ~0.13, not 0.01
    _, _, empirical = sampler.draw(uniforms, log_frequency=False)
    assert (empirical == 1).mean() == pytest.approx(0.01, abs=0.005)
