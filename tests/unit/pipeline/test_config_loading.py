from pathlib import Path

import pytest
import yaml

from synthaug.pipeline.config import demo_config
from synthaug.pipeline.config_loading import config_to_yaml, load_config
from synthaug.pipeline.errors import UserInputError

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def test_unknown_keys_are_named_with_their_path_and_a_suggestion(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("dataset:\n  source: bundled:digits\n  per_clas: 3\nsplit:\n  test_frac: 0.2\n")
    with pytest.raises(UserInputError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    assert "unknown key 'dataset.per_clas'" in message and "'per_class'" in message
    assert "unknown key 'split.test_frac'" in message and "'test_fraction'" in message


def test_bad_values_name_the_key(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("dataset:\n  source: bundled:digits\nsplit:\n  test_fraction: 1.5\n")
    with pytest.raises(UserInputError, match=r"'split.test_fraction': .*less than 1"):
        load_config(path)


def test_missing_required_section(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("name: x\n")
    with pytest.raises(UserInputError, match="'dataset' is required"):
        load_config(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("- a\n- b\n", "mapping"), ("dataset: [\n", "not valid YAML at line")],
)
def test_unusable_files(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(UserInputError, match=message):
        load_config(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(UserInputError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_overrides_are_typed_and_validated():
    config = load_config(
        base=demo_config(), overrides=["dataset.per_class=5", "split.stratify=false", "seed=9"]
    )
    assert config.dataset.per_class == 5 and config.split.stratify is False and config.seed == 9
    with pytest.raises(UserInputError, match="unknown key 'dataset.per_klass'"):
        load_config(base=demo_config(), overrides=["dataset.per_klass=5"])
    with pytest.raises(UserInputError, match="key.path=value"):
        load_config(base=demo_config(), overrides=["seed"])


def test_a_bare_on_or_off_is_the_augmentation_setting_not_a_boolean(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("dataset:\n  source: bundled:digits\ntraining:\n  augmentation: on\n")
    assert load_config(path).training.augmentation == "on"
    assert load_config(path, overrides=["training.augmentation=off"]).training.augmentation == "off"
    with pytest.raises(UserInputError, match="'training.augmentation'"):
        load_config(path, overrides=["training.augmentation=yes please"])


def test_yes_and_no_are_words_in_a_config_and_booleans_still_read_as_booleans(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "dataset:\n  source: bundled:digits\nsplit:\n  stratify: false\n"
        "generation:\n  strategy: explicit\n  counts: {yes: 3, no: 4}\n"
    )
    config = load_config(path)
    assert config.generation.counts == {"yes": 3, "no": 4}  # class names, not True / False
    assert config.split.stratify is False
    assert load_config(path, overrides=["split.stratify=yes"]).split.stratify is True


def test_relative_source_is_resolved_against_the_config_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "c.yaml"
    path.write_text("dataset:\n  source: data/x.csv\n  target: y\n")
    assert load_config(path).dataset.source == str(tmp_path / "sub" / "data" / "x.csv")


def test_snapshot_round_trips(tmp_path):
    config = load_config(base=demo_config(), overrides=["dataset.per_class=4"])
    path = tmp_path / "snap.yaml"
    path.write_text(config_to_yaml(config))
    assert load_config(path).model_dump() == config.model_dump()


def test_relative_outputs_resolve_against_the_working_directory_and_data_against_the_config(
    tmp_path, monkeypatch
):
    (tmp_path / "configs").mkdir()
    (tmp_path / "work").mkdir()
    path = tmp_path / "configs" / "c.yaml"
    path.write_text(
        "output_dir: runs\n"
        "dataset: {source: data/x.csv, target: y}\n"
        "export: {directory: ../exports/v1}\n"
        "watermark: {key_file: team.key}\n"
        "evaluation: {inception_weights: weights/inception.pt}\n"
    )
    monkeypatch.chdir(tmp_path / "work")
    work = Path.cwd()  # the working directory as the process sees it
    config = load_config(path)
    assert config.output_dir == work / "runs"
    assert config.dataset.source == str(tmp_path / "configs" / "data" / "x.csv")
    assert config.export.directory == work.parent / "exports" / "v1"  # '..' collapsed
    assert config.watermark.key_file == work / "team.key"
    assert config.evaluation.inception_weights == work / "weights" / "inception.pt"


def test_a_config_without_a_file_resolves_against_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(base=demo_config(), overrides=["output_dir=out/runs"])
    assert config.output_dir == Path.cwd() / "out" / "runs" and config.output_dir.is_absolute()
    assert config.dataset.source == "bundled:digits"
    absolute = load_config(base=demo_config(), overrides=[f"output_dir={tmp_path / 'abs'}"])
    assert absolute.output_dir == tmp_path / "abs"


def test_a_copula_snapshot_from_before_the_preferred_amount_resumes_without_one(tmp_path):
    from synthaug.pipeline.config import SynthaugConfig

    table = {"source": "bundled:breast_cancer", "target": "diagnosis"}
    now = SynthaugConfig(dataset=table, training={"synthesizer": "copula"})
    current = tmp_path / "now.yaml"
    current.write_text(config_to_yaml(now))
    assert load_config(current, snapshot=True).evaluation.preferred == (4.0, 1.0)  # recorded: kept
    raw = yaml.safe_load(current.read_text())
    raw["evaluation"]["preferred_amount"] = None  # as written before the copula had one
    older = tmp_path / "older.yaml"
    older.write_text(yaml.safe_dump(raw))
    assert load_config(older, snapshot=True).evaluation.preferred is None  # as the run started
    assert load_config(older).evaluation.preferred == (4.0, 1.0)  # a config file: today's default
    overridden = load_config(older, snapshot=True, overrides=["evaluation.preferred_amount=2"])
    assert overridden.evaluation.preferred == (2.0, 1.0)
    gan = SynthaugConfig(dataset=table)
    (tmp_path / "gan.yaml").write_text(config_to_yaml(gan))
    assert load_config(tmp_path / "gan.yaml", snapshot=True).evaluation.preferred_amount is None


def test_a_rule_across_sections_is_reported_in_its_own_words(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "dataset: {source: 'bundled:breast_cancer', target: diagnosis}\n"
        "training: {synthesizer: copula}\nevaluation: {preferred_weight: 3}\n"
    )
    with pytest.raises(UserInputError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "evaluation.preferred_weight 3 is not among evaluation.added_weights [1.0]" in message
    assert "(top level)" not in message and "got " not in message  # not the whole config echoed


def test_a_copula_snapshot_records_calibrated_curation_and_an_older_one_keeps_its_fixed_quantile(tmp_path):
    from synthaug.pipeline.config import NEAR_COPY_QUANTILES, SynthaugConfig
    from synthaug.pipeline.config_loading import given_settings

    table = {"source": "bundled:breast_cancer", "target": "diagnosis"}
    now = SynthaugConfig(dataset=table, training={"synthesizer": "copula"})
    assert now.generation.near_copy_quantile == "calibrated" and now.generation.calibration_from_synthesizer
    current = tmp_path / "now.yaml"
    current.write_text(config_to_yaml(now))
    assert yaml.safe_load(current.read_text())["generation"]["near_copy_quantile"] == "calibrated"
    assert load_config(current, snapshot=True).generation.near_copy_quantile == "calibrated"
    raw = yaml.safe_load(current.read_text())
    raw["generation"]["near_copy_quantile"] = "auto"  # as written before the copula calibrated
    older = tmp_path / "older.yaml"
    older.write_text(yaml.safe_dump(raw))
    assert load_config(older, snapshot=True).generation.near_copy_quantile == NEAR_COPY_QUANTILES["tabular"]
    assert load_config(older).generation.near_copy_quantile == "calibrated"  # a config file: today's
    # rebuilt with overrides (a deployment's --param overrides): chosen afresh, the GAN not refused
    assert given_settings(now)["generation"]["near_copy_quantile"] == "auto"
    gan = load_config(base=now, overrides=["training.synthesizer=gan"])
    assert gan.generation.near_copy_quantile == "auto"
    assert gan.generation.near_copy_quantile_for("tabular") == NEAR_COPY_QUANTILES["tabular"]
    # a copy given another value keeps it (the flag alone does not unset it)
    other = now.model_copy(
        update={"generation": now.generation.model_copy(update={"near_copy_quantile": 0.1})}
    )
    assert given_settings(other)["generation"]["near_copy_quantile"] == 0.1
    told = SynthaugConfig(
        dataset=table, training={"synthesizer": "copula"}, generation={"near_copy_quantile": "calibrated"}
    )
    assert given_settings(told)["generation"]["near_copy_quantile"] == "calibrated"  # given: kept
    with pytest.raises(UserInputError, match="near_copy_quantile: calibrated fits 3 more generators"):
        load_config(base=told, overrides=["training.synthesizer=gan"])
    (tmp_path / "gan.yaml").write_text(config_to_yaml(SynthaugConfig(dataset=table)))
    assert load_config(tmp_path / "gan.yaml", snapshot=True).generation.near_copy_quantile == "auto"


def test_the_example_without_classic_augmentation_is_the_demo_with_the_measured_recipe():
    """examples/digits_without_classic_augmentation.yaml is the README's measured recipe on the
    demo's network: a change to either file that parts them fails here."""
    recipe = [
        "name=digits-without-classic-augmentation",
        "dataset.per_class=15",
        "training.steps=1800",
        "training.augmentation=on",
        "training.max_cpu_minutes=30",
        "evaluation.fold_generator_share=1",
        "evaluation.amounts=[4]",
        "evaluation.added_weights=[0.1]",
        "evaluation.preferred_amount=4",
        "evaluation.preferred_weight=0.1",
        "evaluation.classic_baseline=false",
    ]
    expected = load_config(EXAMPLES / "digits.yaml", overrides=recipe)
    assert load_config(EXAMPLES / "digits_without_classic_augmentation.yaml") == expected
