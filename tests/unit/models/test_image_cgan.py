import numpy as np
import pytest
import torch

from synthaug.models.image_cgan import ImageCGAN
from synthaug.models.image_networks import ConditionalGenerator
from synthaug.models.training_metrics import Metric, MetricsLog
from synthaug.pipeline.errors import TrainingStopped
from synthaug.pipeline.layout import CHECKPOINT_FILE, GRID_DIR, METRICS_FILE
from tests.unit.models.conftest import tiny_config

EXPECTED_METRICS = {
    Metric.STEP,
    Metric.LOSS_G,
    Metric.LOSS_D,
    Metric.D_REAL,
    Metric.D_FAKE,
    Metric.D_ACCURACY,
    Metric.GRAD_NORM_G,
    Metric.GRAD_NORM_D,
    Metric.R_T,
    Metric.AUGMENT_P,
    Metric.LR_G,
    Metric.LR_D,
    Metric.WALL_TIME,
    Metric.SAMPLES_PER_S,
}


@pytest.mark.slow
def test_fit_writes_metrics_grids_and_checkpoints(digits_train, tmp_path):
    gan = ImageCGAN(tiny_config(), seed=0).fit(digits_train, workdir=tmp_path)
    records = MetricsLog(tmp_path / METRICS_FILE).read()
    assert [r[Metric.STEP] for r in records] == [1, 2, 3, 4, 5, 6]
    assert set(records[0]) >= EXPECTED_METRICS
    assert Metric.DIVERSITY_RATIOS in records[2] and len(records[2][Metric.DIVERSITY_RATIOS]) == 3
    assert sorted(p.name for p in (tmp_path / GRID_DIR).iterdir()) == ["step_000003.png", "step_000006.png"]
    assert (tmp_path / CHECKPOINT_FILE).is_file()
    assert gan.training_.stop_reason == "completed" and gan.training_.steps == 6


@pytest.mark.slow
def test_sample_returns_exactly_the_requested_labels(digits_train, tmp_path):
    gan = ImageCGAN(tiny_config(steps=2), seed=0).fit(digits_train, workdir=tmp_path)
    synthetic = gan.sample(5, labels="2")
    images, labels = synthetic.images, synthetic.labels
    assert images.shape == (5, 8, 8, 1) and images.dtype == np.uint8 and labels.tolist() == [2] * 5
    assert synthetic.kind == "image" and synthetic.classes == gan.classes_
    assert gan.sample(4, labels=[0, "1", 2, 0]).labels.tolist() == [0, 1, 2, 0]
    assert np.bincount(gan.sample(6).labels).tolist() == [2, 2, 2]
    with pytest.raises(ValueError, match="unknown class '7'"):
        gan.sample(1, labels="7")
    assert np.array_equal(gan.sample(3, labels=1, seed=5).images, gan.sample(3, labels=1, seed=5).images)


@pytest.mark.slow
def test_save_and_load_round_trip(digits_train, tmp_path):
    gan = ImageCGAN(tiny_config(steps=2), seed=0).fit(digits_train, workdir=tmp_path)
    path = gan.save(tmp_path / "model.pt")
    loaded = ImageCGAN.load(path)
    assert loaded.classes_ == gan.classes_ and loaded.config == gan.config
    assert np.array_equal(loaded.sample(4, labels=0, seed=1).images, gan.sample(4, labels=0, seed=1).images)


def test_fit_refuses_anything_but_a_train_split(digits_train, tmp_path):
    with pytest.raises(TypeError, match="TrainSplit"):
        ImageCGAN(tiny_config()).fit(digits_train.data, workdir=tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("loss", ["non-saturating", "wgan-gp"])
def test_other_losses_and_regularisers_train(digits_train, tmp_path, loss):
    config = tiny_config(
        steps=2,
        loss=loss,
        r1_gamma=1.0,
        lecam_weight=0.1,
        feature_matching_weight=1.0,
        augmentation="on",
        grad_clip_norm=1.0,
    )
    gan = ImageCGAN(config, seed=0).fit(digits_train, workdir=tmp_path)
    record = MetricsLog(tmp_path / METRICS_FILE).read()[-1]
    assert np.isfinite(record[Metric.LOSS_D]) and record[Metric.AUGMENT_P] == 1.0
    assert gan.training_.steps == 2


@pytest.mark.slow
def test_resumed_run_ends_with_the_same_weights(digits_train, tmp_path):
    """Kill after the step-3 checkpoint, resume, finish: identical to an uninterrupted run."""
    config = tiny_config(steps=6, checkpoint_every=3)
    straight = ImageCGAN(config, seed=4).fit(digits_train, workdir=tmp_path / "straight")

    def kill_at_3(step: int) -> None:
        if step == 4:  # after step 4's update, before its checkpoint: step 4 must be redone
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ImageCGAN(config, seed=4).fit(digits_train, workdir=tmp_path / "killed", on_step=kill_at_3)
    resumed = ImageCGAN(config, seed=4).fit(digits_train, workdir=tmp_path / "killed", resume=True)
    for a, b in (
        (straight.generator_, resumed.generator_),
        (straight.ema_generator_, resumed.ema_generator_),
    ):
        for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
            assert torch.equal(x, y), name
    steps = [r[Metric.STEP] for r in MetricsLog(tmp_path / "killed" / METRICS_FILE).read()]
    assert steps == [1, 2, 3, 4, 5, 6]


@pytest.mark.slow
def test_collapsed_generator_is_detected_and_can_stop_training(digits_train, tmp_path, monkeypatch):
    original = ConditionalGenerator.forward

    def ignore_z(self, z, y):
        return original(self, torch.zeros_like(z), y)

    monkeypatch.setattr(ConditionalGenerator, "forward", ignore_z)
    config = tiny_config(steps=9, detectors={"check_every": 3, "window": 10, "stop_on": ["mode_collapse"]})
    gan = ImageCGAN(config, seed=0).fit(digits_train, workdir=tmp_path)
    assert gan.training_.stop_reason == "mode_collapse" and gan.training_.steps == 3
    assert gan.training_.findings[0].detector == "mode_collapse"
    record = MetricsLog(tmp_path / METRICS_FILE).read()[-1]
    assert record[Metric.DIVERSITY_MIN_RATIO] < 0.01
    assert any(w.startswith("mode_collapse") for w in record[Metric.WARNINGS])


@pytest.mark.slow
def test_non_finite_losses_stop_with_a_clear_message(digits_train, tmp_path, monkeypatch):
    original = ConditionalGenerator.forward
    monkeypatch.setattr(
        ConditionalGenerator, "forward", lambda self, z, y: original(self, z, y) * float("nan")
    )
    with pytest.raises(TrainingStopped, match="training diverged at step 1"):
        ImageCGAN(tiny_config(), seed=0).fit(digits_train, workdir=tmp_path)
    record = MetricsLog(tmp_path / METRICS_FILE).read()[-1]
    assert record[Metric.WARNINGS][0].startswith("non_finite")


class _LinearGenerator(torch.nn.Module):
    """x = A z + offset[class]: a class's spread is scale^2 x ||A||_F^2 in expectation."""

    z_dim = 4

    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.eye(4) * 0.5, requires_grad=False)
        self.offset = torch.nn.Parameter(torch.arange(3.0)[:, None].repeat(1, 4), requires_grad=False)

    def forward(self, z, classes):
        return (z @ self.a.T + self.offset[classes]).view(len(z), 1, 2, 2)


def test_each_class_latent_scale_matches_its_released_spread():
    gan = ImageCGAN(tiny_config(), seed=0)
    gan.classes_ = ("0", "1", "2")
    gan.ema_generator_ = gan.generator_ = _LinearGenerator()
    # ||A||_F^2 = 1: a target spread s asks for scale sqrt(s); 100 and 0.001 lie outside [1/4, 4]
    scales = gan._match_spreads(np.array([4.0, 100.0, 0.001]), condition=lambda c, _: torch.as_tensor(c))
    assert scales[0] == pytest.approx(2.0, rel=0.08)  # 512 draws of z: the sample spread varies a little
    assert scales[1] == pytest.approx(4.0, rel=1e-2) and scales[2] == pytest.approx(0.25, rel=1e-2)
    capped = gan._match_spreads(
        np.array([4.0, 100.0]), condition=lambda c, _: torch.as_tensor(c), largest=1.5
    )
    assert capped == [pytest.approx(1.5, rel=1e-2)] * 2  # the cap binds both
    gan.latent_scale_ = scales
    unit = ImageCGAN(tiny_config(), seed=0)
    unit.classes_, unit.latent_scale_ = gan.classes_, None
    unit.ema_generator_ = unit.generator_ = gan.generator_
    # sampling draws the same z and multiplies it by its class's scale (offsets are whole numbers)
    scaled = torch.as_tensor(
        gan._generate(6, None, seed=1, use_ema=True, batch_size=6, condition=lambda c, _: torch.as_tensor(c))[
            1
        ][0]
    )
    plain = torch.as_tensor(
        unit._generate(
            6, None, seed=1, use_ema=True, batch_size=6, condition=lambda c, _: torch.as_tensor(c)
        )[1][0]
    )
    offsets = torch.arange(3.0).repeat(2)[:, None, None, None]
    ratio = (scaled - offsets) / (plain - offsets)
    assert torch.allclose(ratio.flatten(1), torch.tensor(scales).repeat(2)[:, None].expand(6, 4), rtol=1e-4)


def test_mode_seeking_pairs_two_latents_of_each_condition(digits_train, tmp_path, monkeypatch):
    """Each generator step's batch is two halves with the same conditions and other latents; the
    regulariser sees them; the kind defaults turn it on for images only, never under privacy."""
    from synthaug.models import trainer
    from synthaug.pipeline.config import TrainingConfig

    last_condition, seen = [], []
    forward = ConditionalGenerator.forward

    def recording_forward(self, z, condition):
        last_condition[:] = [condition.detach().clone()]
        return forward(self, z, condition)

    def spy(fake, z):
        half = fake.shape[0] // 2
        condition = last_condition[0]
        seen.append(
            (
                fake.shape[0],
                bool(torch.equal(condition[:half], condition[half:])),
                bool(torch.equal(z[:half], z[half:])),
            )
        )
        return mode_seeking(fake, z)

    mode_seeking = trainer.mode_seeking
    monkeypatch.setattr(ConditionalGenerator, "forward", recording_forward)
    monkeypatch.setattr(trainer, "mode_seeking", spy)
    config = tiny_config(steps=2, batch_size=8, mode_seeking_weight=0.5)
    ImageCGAN(config, seed=0).fit(digits_train, workdir=tmp_path)
    assert seen == [(8, True, False), (8, True, False)]
    seen.clear()
    ImageCGAN(tiny_config(steps=2, batch_size=8, mode_seeking_weight=0.0), seed=0).fit(
        digits_train, workdir=tmp_path / "off"
    )
    assert seen == []
    assert TrainingConfig().resolved("image").mode_seeking_weight == 0.5
    assert TrainingConfig().resolved("tabular").mode_seeking_weight == 0.0
    assert TrainingConfig().resolved("image", private=True).mode_seeking_weight == 0.0
