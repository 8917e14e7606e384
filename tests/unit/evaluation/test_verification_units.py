"""The verification units (run_verification.py) against the serial protocol (gain.py): run one by
one, in any order, they produce exactly the protocol's result."""

from __future__ import annotations

import json

import numpy as np
import pytest

from synthaug.evaluation import run_verification as units
from synthaug.evaluation.gain import run_protocol
from synthaug.evaluation.verification_inputs import VerificationFiles
from synthaug.pipeline.config import DatasetConfig, EvaluationConfig, SynthaugConfig
from synthaug.pipeline.dataset_io import write_dataset
from synthaug.pipeline.synthetic_set import write_rows
from synthaug.stages import job

SPEC = EvaluationConfig(seeds=2, folds=2, amounts=[0, 1], fidelity_metrics=["class_counts", "column_shapes"])


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> VerificationFiles:
    """breast_cancer, 15 training rows per class; unused real rows stand in for synthetic ones."""
    folder = tmp_path_factory.mktemp("verification")
    config = SynthaugConfig(
        dataset=DatasetConfig(source="bundled:breast_cancer", target="diagnosis", per_class=15)
    )
    dataset = job.ingest(config.dataset)
    train, test = job.split(dataset, config)
    write_dataset(train.data, folder / "data" / "train.parquet")
    write_dataset(test.data, folder / "data" / "test.parquet")
    unused = np.setdiff1d(np.arange(len(dataset)), np.concatenate([train.indices, test.indices]))
    stand_in = dataset.subset(np.random.default_rng(0).choice(unused, 60, replace=False))
    write_rows(folder / "synthetic" / "rows.parquet", stand_in.to_frame())
    return VerificationFiles.of_run(folder)


def gain_json(files: VerificationFiles) -> dict:
    return json.loads((files.output / units.RESULT_FILE).read_text())


def test_units_in_order_give_the_serial_protocol_result(files):
    summary = units.verify_run(files, spec=SPEC)
    _, real, synthetic = files.training()
    expected = run_protocol(
        real=real,
        synthetic=synthetic,
        test=files.held_out(),
        classifiers={
            name: units._classifier("tabular", name, SPEC, n_classes=2, device="cpu")
            for name in SPEC.tabular_classifiers
        },
        kind="tabular",
        settings=units.protocol_settings(SPEC),
    )
    written = gain_json(files)
    # the caveat adds why this folder selected with one shared pool (no fold generators were trained)
    assert written.pop("caveat").startswith(expected.pop("caveat").split(";")[0])
    assert {
        k: v for k, v in written.items() if k not in ("classes", "real_train_counts", "privacy_audit")
    } == json.loads(json.dumps(expected))
    assert summary["verdict"] == expected["verdict"]
    assert "column_shapes" in summary["fidelity"]
    assert "class_counts" in (files.output / units.FIDELITY_FILE).read_text()
    lines = (files.output / units.SCORES_FILE).read_text().splitlines()
    assert (
        len(lines) == 2 * 2 * 5
    )  # classifiers x seeds x conditions (real, +synthetic, +classic, both, only)


def test_any_order_of_units_gives_the_same_files(files):
    units.verify_run(files, spec=SPEC)
    before = gain_json(files), (files.output / units.SCORES_FILE).read_text()
    (files.output / units.RESULT_FILE).unlink()
    units.fidelity_unit(files, spec=SPEC)
    for name in reversed(SPEC.tabular_classifiers):
        units.select_unit(files, spec=SPEC, classifier=name)
        for seed in reversed(range(SPEC.seeds)):
            units.score_unit(files, spec=SPEC, classifier=name, seed=seed)
    units.combine_units(files, spec=SPEC)
    assert (gain_json(files), (files.output / units.SCORES_FILE).read_text()) == before


def test_a_score_unit_reports_the_primary_metric_per_condition(files):
    units.select_unit(files, spec=SPEC, classifier="logistic")
    row = units.score_unit(files, spec=SPEC, classifier="logistic", seed=1)
    assert row["classifier"] == "logistic" and row["seed"] == 1
    assert set(row) - {"classifier", "seed"} == {
        "real",
        "real+synthetic",
        "real+classic",
        "real+classic+synthetic",
        "synthetic-only",
    }
    assert all(0.0 <= row[c] <= 1.0 for c in ("real", "real+synthetic"))


def test_amount_text_names_the_amount_on_top_of_the_augmentation():
    from synthaug.evaluation.run_verification import amount_text

    assert amount_text({"selected_amount": 2.0, "filtered": True}) == "2x (filtered)"
    images = {"selected_amount": 0.0, "filtered": False, "selected_amount_with_classic": 1.0}
    assert amount_text(images) == "0x; 1x with classic"
    heavy = {**images, "selected_weight": 0.25, "selected_weight_with_classic": 4.0}
    assert amount_text(heavy) == "0x at weight 0.25; 1x at weight 4 with classic"
    # tables: SMOTE's own amount and weight, which the recommendation "classic" asks a team to use
    tables = {**heavy, "selected_amount_classic": 0.5, "selected_weight_classic": 2.0}
    assert amount_text(tables) == "0x at weight 0.25; SMOTE 0.5x at weight 2; 1x at weight 4 with classic"


def test_the_summary_names_what_each_class_receives_when_the_classes_differ():
    result = {
        "verdict": "no-gain",
        "recommendation": {"option": "real only"},
        "settings": {"seeds": 2, "allocation": "rarest-first"},
        "sizes": {"test": 10},
        "interval": "",
        "selection_data": "",
        "real_train_counts": {"common": 20, "rare": 10},
        "classifiers": {},
    }
    paired = {"balanced_accuracy": {"mean_difference": 0.0, "low": 0.0, "high": 0.0, "p_value": 1.0}}
    result["classifiers"]["logistic"] = {
        "verdict": "no-gain",
        "recommendation": {"option": "real only"},
        "selection": {"synthetic": {"amount": 1.0, "filtered": False}},
        "conditions": {"real": {"balanced_accuracy": {"mean": 0.8}}},
        "paired_vs_real": {"real+synthetic": paired},
        "paired_vs_classic": {"real+synthetic": paired},
    }
    summary = units.summarise(result)["classifiers"]["logistic"]
    assert summary["selected_per_class"] == {"common": 10, "rare": 20}  # both end at 30
    assert units.amount_text(summary) == "1x (common +10, rare +20)"
    result["settings"]["allocation"] = "proportional"
    assert (
        units.amount_text(units.summarise(result)["classifiers"]["logistic"]) == "1x (common +20, rare +10)"
    )
    result["real_train_counts"] = {"common": 15, "rare": 15}  # equal: the amount says it all
    assert units.amount_text(units.summarise(result)["classifiers"]["logistic"]) == "1x"


def test_the_summary_compares_with_the_classic_baseline_what_was_added_on_top_of_it_if_anything():
    def paired(difference: float) -> dict:
        return {"balanced_accuracy": {"mean_difference": difference, "low": 0.0, "high": 0.0, "p_value": 1.0}}

    entry = {
        "verdict": "no-gain",
        "recommendation": {"option": "real only"},
        "selection": {"synthetic": {"amount": 1.0, "filtered": False}, "classic+synthetic": {"amount": 0.0}},
        "conditions": {"real": {"balanced_accuracy": {"mean": 0.8}}},
        "paired_vs_real": {"real+synthetic": paired(0.02)},
        "paired_vs_classic": {"real+synthetic": paired(0.01), "real+classic+synthetic": paired(0.0)},
    }
    result = {
        "verdict": "no-gain",
        "recommendation": {"option": "real only"},
        "settings": {"seeds": 2},
        "sizes": {"test": 10},
        "interval": "",
        "selection_data": "",
        "classifiers": {"logistic": entry},
    }
    # nothing on top of the classic baseline: real+synthetic against it
    assert units.summarise(result)["classifiers"]["logistic"]["vs_classic_points"] == 1.0
    entry["selection"]["classic+synthetic"]["amount"] = 0.5
    entry["paired_vs_classic"]["real+classic+synthetic"] = paired(0.03)
    assert units.summarise(result)["classifiers"]["logistic"]["vs_classic_points"] == 3.0
    del entry["selection"]["classic+synthetic"]  # older image results: the condition, no choice
    assert units.summarise(result)["classifiers"]["logistic"]["vs_classic_points"] == 3.0
