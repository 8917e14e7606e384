"""Private GAN training end to end (tiny configs): the budget, early stopping, resume, what is kept."""

import json

import numpy as np
import pandas as pd
import pytest
import torch
from opacus.accountants import PRVAccountant, RDPAccountant

from synthaug.models.image_cgan import ImageCGAN
from synthaug.models.tabular_cgan import TabularCGAN
from synthaug.pipeline.config import DatasetConfig, PrivacyConfig, PublicColumn, TrainingConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.layout import METRICS_FILE
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.split import TrainSplit
from synthaug.privacy.class_means import CLASS_MEANS
from synthaug.privacy.counts import CATEGORY_COUNTS
from synthaug.privacy.engine import DP_SGD
from tests.frames import train_split
from tests.settings import tiny_settings

TINY = tiny_settings(  # steps of 4: a resumed run stops and restarts mid-way
    "tabular",
    steps=8,
    batch_size=16,
    checkpoint_every=4,
    grid_every=4,
    log_every=2,
    detectors={"check_every": 4, "window": 10},
    tabular={"generator_width": 16, "discriminator_width": 16, "depth": 1},
)
PUBLIC = {
    "age": PublicColumn(bounds=(18, 90), integer=True),
    "score": PublicColumn(bounds=(-4, 4)),
    "colour": PublicColumn(categories=["red", "green", "blue"]),
}


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(0)
    n = 200
    label = rng.integers(0, 2, n)
    return pd.DataFrame(
        {
            "age": rng.integers(20, 80, n),
            "score": rng.normal(label, 1, n).round(3),
            "colour": np.where(label == 1, rng.choice(["red", "green"], n), rng.choice(["green", "blue"], n)),
            "label": np.where(label == 1, "yes", "no"),
        }
    )


def fit(frame, tmp_path, *, training=None, **privacy):
    spec = PrivacyConfig(enabled=True, public_columns=PUBLIC, **privacy)
    gan = TabularCGAN(TrainingConfig.model_validate({**TINY, **(training or {})}), seed=0, privacy=spec)
    return gan.fit(train_split(frame, "label"), workdir=tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize(("accountant", "engine"), [("prv", PRVAccountant), ("rdp", RDPAccountant)])
def test_reported_epsilon_is_an_independent_opacus_computation(frame, tmp_path, accountant, engine):
    gan = fit(frame, tmp_path, accountant=accountant)
    statement = gan.privacy_
    assert statement["accountant"] == accountant and statement["steps"] == 8 * 2  # 2 D steps per G step
    assert statement["sample_rate"] == pytest.approx(16 / 200)
    counts, means = statement["releases"][:2]  # the category counts, then the class means
    assert counts["noise_multiplier"] == PrivacyConfig().count_noise_multiplier
    reference = engine()
    reference.history = [(r["noise_multiplier"], r["sample_rate"], r["steps"]) for r in (counts, means)]
    for _ in range(statement["steps"]):
        reference.step(noise_multiplier=statement["noise_multiplier"], sample_rate=16 / 200)
    expected = reference.get_epsilon(delta=statement["delta"])
    assert statement["epsilon"] == pytest.approx(expected, abs=1e-3)
    assert statement["epsilon"] <= 3.0
    assert [r["name"] for r in statement["releases"]] == [CATEGORY_COUNTS, CLASS_MEANS, DP_SGD]
    assert statement["delta"] == pytest.approx(1e-4) and statement["delta"] < 1 / 200


@pytest.mark.slow
def test_the_class_means_release_is_composed_into_the_same_budget(frame, tmp_path):
    gan = fit(frame, tmp_path, class_means_share=0.4)
    statement = gan.privacy_
    releases = {r["name"]: r for r in statement["releases"]}
    assert list(releases) == [CATEGORY_COUNTS, CLASS_MEANS, DP_SGD]
    means = releases[CLASS_MEANS]
    assert (means["sample_rate"], means["steps"]) == (1.0, 1)
    # calibrated so that, composed with the counts, it spends at most 40% of the target on its own
    alone = PRVAccountant()
    alone.history = [(PrivacyConfig().count_noise_multiplier, 1.0, 1), (means["noise_multiplier"], 1.0, 1)]
    assert 0.4 * 3.0 - 0.02 <= alone.get_epsilon(delta=statement["delta"]) <= 0.4 * 3.0
    reference = PRVAccountant()
    reference.history = [*alone.history, (statement["noise_multiplier"], 16 / 200, statement["steps"])]
    assert statement["epsilon"] == pytest.approx(reference.get_epsilon(delta=statement["delta"]), abs=1e-3)
    assert statement["epsilon"] <= 3.0
    without = fit(frame, tmp_path / "without", class_means_share=None).privacy_
    assert statement["noise_multiplier"] > without["noise_multiplier"]  # DP-SGD got less of the budget
    state = torch.load(gan.save(tmp_path / "m.pt"), weights_only=True)
    assert not any("mean" in key for key in state)  # a training aid only: the model keeps no copy


@pytest.mark.slow
def test_class_means_that_nothing_uses_spend_no_budget(frame, tmp_path):
    statement = fit(frame, tmp_path, class_means_weight=0.0).privacy_
    assert [r["name"] for r in statement["releases"]] == [CATEGORY_COUNTS, DP_SGD]


def test_a_secure_mode_private_run_is_not_resumed(frame, tmp_path):
    spec = PrivacyConfig(enabled=True, public_columns=PUBLIC, secure_mode=True)
    gan = TabularCGAN(TrainingConfig.model_validate(TINY), seed=0, privacy=spec)
    with pytest.raises(UserInputError, match="secure mode cannot be resumed"):
        gan.fit(train_split(frame, "label"), workdir=tmp_path, resume=True)


@pytest.mark.slow
def test_ghost_clipping_trains_to_the_same_budget_as_per_sample_hooks(frame, tmp_path):
    hooks = fit(frame, tmp_path / "hooks", grad_sample_mode="hooks").privacy_
    gan = fit(frame, tmp_path / "ghost")  # auto: the tabular critic is all linear
    ghost = gan.privacy_
    assert ghost["grad_sample_mode"] == "ghost" and hooks["grad_sample_mode"] == "hooks"
    for key in ("epsilon", "noise_multiplier", "sample_rate", "steps", "delta"):
        assert ghost[key] == hooks[key], key
    rows = gan.sample(20, seed=0).rows
    assert len(rows) == 20 and rows["score"].between(-4, 4).all()


@pytest.mark.slow
def test_a_tiny_budget_stops_training_early_and_never_reports_more(frame, tmp_path):
    gan = fit(frame, tmp_path, target_epsilon=1.0, noise_multiplier=2.0, training={"steps": 400})
    statement = gan.privacy_
    assert statement["stop_reason"] == "privacy_budget" == gan.training_.stop_reason
    assert 0 < statement["steps"] < statement["planned_steps"] == 800
    assert statement["epsilon"] <= 1.0
    records = [json.loads(line) for line in (tmp_path / METRICS_FILE).read_text().splitlines()]
    spent = [r["epsilon"] for r in records if "epsilon" in r]
    assert spent and max(spent) <= 1.0 and spent == sorted(spent)
    assert records[-1]["dp_steps"] == statement["steps"]


@pytest.mark.slow
def test_resumed_private_training_equals_uninterrupted(frame, tmp_path):
    # a fixed noise multiplier: a calibrated one would depend on the (different) planned steps
    whole = fit(frame, tmp_path / "whole", noise_multiplier=2.0)
    first = fit(frame, tmp_path / "part", noise_multiplier=2.0, training={"steps": 4})
    assert first.privacy_["steps"] == 8
    spec = PrivacyConfig(enabled=True, public_columns=PUBLIC, noise_multiplier=2.0)
    resumed = TabularCGAN(TrainingConfig.model_validate(TINY), seed=0, privacy=spec).fit(
        train_split(frame, "label"), workdir=tmp_path / "part", resume=True
    )
    expected, got = whole.ema_generator_.state_dict(), resumed.ema_generator_.state_dict()
    assert all(torch.equal(expected[k], got[k]) for k in expected)
    assert resumed.privacy_["epsilon"] == whole.privacy_["epsilon"]
    assert resumed.privacy_["steps"] == 16


@pytest.mark.slow
def test_the_saved_model_holds_only_public_or_noised_facts(frame, tmp_path):
    gan = fit(frame, tmp_path)
    path = gan.save(tmp_path / "model.pt")
    state = torch.load(path, weights_only=True)
    numeric = {e["column"]["name"]: e for e in state["transformer"]["encodings"] if e["kind"] == "numeric"}
    assert (numeric["age"]["low"], numeric["age"]["high"]) == (18, 90)  # declared, not the data's 20..79
    assert numeric["age"]["column"]["n_missing"] == 0
    assert len(numeric["score"]["means"]) == PrivacyConfig().numeric_modes
    counts = state["conditions"]["counts"].numpy()
    exact = pd.crosstab(frame["label"], frame["colour"]).reindex(columns=["red", "green", "blue"]).to_numpy()
    assert counts.shape == exact.shape and not np.allclose(counts, exact)  # noised
    loaded = TabularCGAN.load(path)
    assert loaded.privacy_["epsilon"] == gan.privacy_["epsilon"]
    assert loaded.privacy.enabled and loaded.privacy.public_columns == gan.privacy.public_columns
    rows = loaded.sample(50, labels="yes", seed=1).rows
    assert set(rows["colour"].astype(str)) <= {"red", "green", "blue"}
    assert rows["age"].between(18, 90).all() and rows["age"].dtype == np.int64


def test_data_outside_the_declarations_is_refused(frame, tmp_path):
    odd = frame.assign(colour=frame["colour"].where(frame.index != 7, "purple"))
    with pytest.raises(UserInputError, match=r"'purple' \(training row 7\), which is not among"):
        fit(odd, tmp_path)
    spec = PrivacyConfig(enabled=True, public_columns={"age": PUBLIC["age"]})
    with pytest.raises(UserInputError, match=r"columns \['score', 'colour'\] have no public declaration"):
        TabularCGAN(TrainingConfig.model_validate(TINY), privacy=spec).fit(
            train_split(frame, "label"), workdir=tmp_path
        )


def test_explicit_settings_dp_sgd_cannot_keep_are_refused(frame, tmp_path):
    with pytest.raises(UserInputError, match=r"training.tabular.pac: packing .* use 1"):
        fit(frame, tmp_path, training={"tabular": {**TINY["tabular"], "pac": 4}})
    with pytest.raises(UserInputError, match="wgan-gp's gradient penalty"):
        fit(frame, tmp_path, training={"loss": "wgan-gp"})


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["hooks", "ew", "ghost"])
def test_private_image_gan_trains_and_states_its_budget(tmp_path, mode):
    data = load_dataset(DatasetConfig(source="bundled:digits"))
    index = np.arange(300)
    train = TrainSplit(data.subset(index), index, index)
    config = TrainingConfig.model_validate({**TINY, "width": 8, "steps": 3})
    privacy = PrivacyConfig(enabled=True, accountant="rdp", grad_sample_mode=mode)
    gan = ImageCGAN(config, seed=0, privacy=privacy).fit(train, workdir=tmp_path)
    statement = gan.privacy_
    assert statement["steps"] == 6 and statement["epsilon"] <= 3.0
    assert statement["grad_sample_mode"] == mode
    assert any("fixed constants" in item for item in statement["public"])
    synthetic = gan.sample(4, labels="3")
    images, labels = synthetic.images, synthetic.labels
    assert images.shape == (4, 8, 8, 1) and set(labels.tolist()) == {3}
    # the class spreads went out with the means, and each class's latent scale matches them
    assert [r["name"] for r in statement["releases"]] == [CLASS_MEANS, DP_SGD]
    assert len(gan.latent_scale_) == 10 and all(0.25 <= s <= 4.0 for s in gan.latent_scale_)
    loaded = ImageCGAN.load(gan.save(tmp_path / "m.pt"))
    assert loaded.latent_scale_ == gan.latent_scale_
    assert np.array_equal(loaded.sample(4, labels=3, seed=1).images, gan.sample(4, labels=3, seed=1).images)
