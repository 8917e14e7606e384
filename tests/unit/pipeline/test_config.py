from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from synthaug.pipeline.config import DatasetConfig, EvaluationConfig, SynthaugConfig, demo_config
from synthaug.pipeline.config_loading import load_config

REPO = Path(__file__).resolve().parents[3]


def test_defaults_are_the_documented_ones():
    config = SynthaugConfig(dataset={"source": "bundled:digits"})
    assert config.split.test_fraction == 0.3
    assert config.split.stratify is True
    assert config.split_seed == config.seed == 0
    assert config.privacy.enabled is False
    image = config.training.resolved("image")
    assert image.lr_discriminator == 4e-4 and image.lr_generator == 1e-4 and image.loss == "hinge"
    assert image.batch_size == 64 and config.training.resolved("tabular").batch_size == 500
    for kind in ("image", "tabular"):  # nothing a trainer needs is left unset
        resolved = config.training.resolved(kind)
        assert None not in (
            resolved.loss,
            resolved.lr_generator,
            resolved.lr_discriminator,
            resolved.batch_size,
        )
    table = config.training.resolved("tabular")
    assert table.loss == "wgan-gp" and table.betas == (0.5, 0.9) and table.lr_discriminator == 2e-4
    assert table.d_steps_per_g_step == 1 and image.d_steps_per_g_step is None  # None: the loss's own default
    explicit = config.training.model_copy(update={"loss": "hinge"}).resolved("tabular")
    assert explicit.loss == "hinge"  # an explicit setting always wins


def test_split_seed_falls_back_to_run_seed_and_can_be_set():
    assert SynthaugConfig(seed=7, dataset={"source": "bundled:digits"}).split_seed == 7
    assert SynthaugConfig(seed=7, split={"seed": 3}, dataset={"source": "bundled:digits"}).split_seed == 3


def test_unknown_bundled_name_lists_known_ones():
    with pytest.raises(ValidationError, match="bundled:digits, bundled:breast_cancer"):
        DatasetConfig(source="bundled:mnist")


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("bundled:digits", "image"),
        ("bundled:breast_cancer", "tabular"),
        ("x.csv", "tabular"),
        ("x.parquet", "tabular"),
        ("x.npz", "image"),
    ],
)
def test_kind_is_inferred_from_the_source(source, kind):
    assert DatasetConfig(source=source).resolved_kind() == kind


def test_a_column_cannot_be_forced_both_ways():
    with pytest.raises(ValidationError, match="both numeric and categorical"):
        DatasetConfig(source="x.csv", numeric_columns=["a"], categorical_columns=["a"])


def test_headerless_csv_needs_column_names():
    with pytest.raises(ValidationError, match="column_names"):
        DatasetConfig(source="x.csv", csv={"header": False})


def test_examples_digits_yaml_is_the_demo_config():
    from_file = load_config(REPO / "examples" / "digits.yaml")
    assert from_file.model_dump() == load_config(base=demo_config()).model_dump()


def test_every_shipped_example_validates():
    for path in sorted((REPO / "examples").glob("*.yaml")):
        assert isinstance(load_config(path), SynthaugConfig), path
        assert yaml.safe_load(path.read_text())["dataset"]["source"]


def test_private_defaults_replace_only_unset_settings():
    training = SynthaugConfig(dataset={"source": "bundled:digits"}).training
    image, private_image = training.resolved("image"), training.resolved("image", private=True)
    assert image.minibatch_stddev is True and image.augmentation == "adaptive"
    assert private_image.minibatch_stddev is False and private_image.augmentation == "on"
    assert private_image.d_steps_per_g_step == 2 and private_image.loss == "hinge"
    table, private_table = training.resolved("tabular"), training.resolved("tabular", private=True)
    assert table.tabular.pac == 10 and private_table.tabular.pac == 1
    assert private_table.loss == "hinge" and private_table.batch_size == 64
    explicit = training.model_copy(update={"batch_size": 128}).resolved("tabular", private=True)
    assert explicit.batch_size == 128
    assert private_table.resolved("tabular", private=True) == private_table  # idempotent


def test_public_columns_declare_one_kind_with_sane_values():
    from synthaug.pipeline.config import PublicColumn

    assert PublicColumn(bounds=(0, 1), integer=True).bounds == (0.0, 1.0)
    for bad, message in [
        ({}, "declare either bounds"),
        ({"bounds": (0, 1), "categories": ["a"]}, "declare either bounds"),
        ({"bounds": (2, 1)}, "low < high"),
        ({"categories": ["a", "a"]}, "must not repeat"),
    ]:
        with pytest.raises(ValidationError, match=message):
            PublicColumn(**bad)


def test_private_examples_target_epsilon_3_and_declare_every_breast_cancer_column():
    digits = load_config(REPO / "examples" / "digits_dp.yaml")
    table = load_config(REPO / "examples" / "breast_cancer_dp.yaml")
    assert digits.privacy.enabled and table.privacy.enabled
    assert digits.privacy.target_epsilon == table.privacy.target_epsilon == 3.0
    from sklearn.datasets import load_breast_cancer

    assert sorted(table.privacy.public_columns) == sorted(load_breast_cancer().feature_names)


def test_the_copula_prefers_its_measured_amount_unless_told_otherwise():
    from synthaug.pipeline.config import SYNTHESIZER_PREFERRED_AMOUNT
    from synthaug.pipeline.config_loading import config_to_yaml

    def config(synthesizer="copula", **evaluation):
        return SynthaugConfig(
            dataset={"source": "bundled:breast_cancer", "target": "diagnosis"},
            training={"synthesizer": synthesizer},
            evaluation=evaluation,
        )

    copula = config()
    assert copula.evaluation.preferred == (SYNTHESIZER_PREFERRED_AMOUNT["copula"], 1.0) == (4.0, 1.0)
    # the snapshot records the amount the run used, and reads back the same
    again = SynthaugConfig.model_validate(yaml.safe_load(config_to_yaml(copula)))
    assert again.evaluation.preferred_amount == 4.0
    assert config("gan").evaluation.preferred is None
    assert config(preferred_amount=0).evaluation.preferred is None  # told: no preference
    assert config(preferred_amount=2).evaluation.preferred == (2.0, 1.0)
    assert config(amounts=[0, 1, 2]).evaluation.preferred is None  # 4 is not a candidate
    assert config(selection_rule="best").evaluation.preferred is None
    shared = EvaluationConfig()  # one section given to two configs: the copula's does not leak
    table = {"source": "bundled:breast_cancer", "target": "diagnosis"}
    first = SynthaugConfig(dataset=table, training={"synthesizer": "copula"}, evaluation=shared)
    assert first.evaluation.preferred == (4.0, 1.0) and shared.preferred is None
    assert SynthaugConfig(dataset=table, evaluation=shared).evaluation.preferred is None
    # a weight alone goes with the copula's amount; with the GAN's none it is refused
    assert config(preferred_weight=2, added_weights=[2]).evaluation.preferred == (4.0, 2.0)
    with pytest.raises(ValidationError, match="preferred_weight is set without evaluation.preferred_amount"):
        config("gan", preferred_weight=2, added_weights=[2])
    with pytest.raises(ValidationError, match="preferred_weight 3 is not among evaluation.added_weights"):
        config(preferred_weight=3)


def test_a_config_rebuilt_with_overrides_chooses_the_copulas_amount_afresh():
    from synthaug.pipeline.config_loading import given_settings

    table = {"source": "bundled:breast_cancer", "target": "diagnosis"}
    copula = SynthaugConfig(dataset=table, training={"synthesizer": "copula"})

    def rebuilt(*overrides):  # as a deployment run's --param overrides, or synthaug.run's
        return load_config(base=copula, overrides=list(overrides)).evaluation.preferred

    assert rebuilt("seed=3") == (4.0, 1.0)
    assert rebuilt("training.synthesizer=gan") is None  # no copula amount left over
    assert rebuilt("evaluation.amounts=[0,1,2]") is None  # neither refused nor kept
    assert rebuilt("evaluation.selection_rule=best") is None
    assert copula.evaluation.preference_from_synthesizer
    plain = copula.evaluation.without_preference()  # for a baseline's samples
    assert plain.preferred is None and not plain.preference_from_synthesizer
    assert copula.evaluation.preferred == (4.0, 1.0)
    # what a deployment stores: the amount unset again, filled in when the flow reads it
    assert given_settings(copula)["evaluation"]["preferred_amount"] is None
    told = SynthaugConfig(
        dataset=table, training={"synthesizer": "copula"}, evaluation={"preferred_amount": 4}
    )
    assert given_settings(told)["evaluation"]["preferred_amount"] == 4.0  # given: kept
    assert load_config(base=told, overrides=["training.synthesizer=gan"]).evaluation.preferred == (4.0, 1.0)
