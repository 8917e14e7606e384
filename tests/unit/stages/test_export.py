import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from synthaug.pipeline.atomic import atomic_directory
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.layout import CARD_FILE, EXPORT_FILE
from synthaug.pipeline.synthetic_metadata import synthetic_metadata
from synthaug.pipeline.synthetic_set import write_rows
from synthaug.stages import export as export_module
from synthaug.stages.dataset_card import (
    audit_text,
    privacy_text,
    training_words,
    verification_text,
    watermark_text,
)
from synthaug.stages.export import check_export, export_run
from tests.manifests import write_run_manifest

WATERMARK = {
    "applied": True,
    "scheme": "synthaug-table-cells/1",
    "key_id": "abcd1234abcd1234",
    "threshold": 0.001,
}


@pytest.fixture
def run_dir(tmp_path):
    """A finished tabular run as the job leaves it before export: manifest and synthetic rows."""
    run = tmp_path / "runs" / "demo-20260101T000000Z"
    (run / "synthetic").mkdir(parents=True)
    (run / "config.yaml").write_text("seed: 0\n")
    rows = pd.DataFrame({"x": np.arange(6, dtype=float), "label": ["a", "b"] * 3})
    metadata = synthetic_metadata(
        run_id=run.name,
        config_file=run / "config.yaml",
        source_sha256="f" * 64,
        privacy=None,
        watermark=WATERMARK,
    )
    write_rows(run / "synthetic" / "rows.parquet", rows, metadata=metadata)
    write_run_manifest(
        run,
        run_id=run.name,
        data={"uri": "bundled:breast_cancer", "sha256": "f" * 64, "rows": 569, "kind": "tabular"},
        split={"train_rows": 200, "test_rows": 171, "train_class_counts": {"a": 100, "b": 100}},
        training={"steps": 10, "stop_reason": "completed", "privacy": None},
        generation={
            "strategy": "balanced",
            "counts": {"a": 3, "b": 3},
            "total": 6,
            "watermark": WATERMARK,
            "near_copies": {"applied": False, "reason": "generation.near_copy_quantile: null"},
        },
    )
    return run


def test_export_is_complete_self_describing_and_checkable(run_dir, tmp_path):
    destination = tmp_path / "exports" / "breast-cancer-v1"
    summary = export_run(run_dir, destination)
    assert summary["directory"] == str(destination)
    assert sorted(p.name for p in destination.iterdir()) == [CARD_FILE, EXPORT_FILE, "rows.parquet"]
    listing = json.loads((destination / EXPORT_FILE).read_text())
    assert listing["run_id"] == run_dir.name and listing["samples"] == 6 and listing["kind"] == "tabular"
    assert {f["path"] for f in listing["files"]} == {CARD_FILE, "rows.parquet"}
    assert (
        listing["metadata"]["synthetic"] == "true" and listing["metadata"]["synthaug.watermark"] == WATERMARK
    )
    metadata = pq.read_schema(destination / "rows.parquet").metadata  # plain pyarrow reads the provenance
    assert metadata[b"digital_source_type"].endswith(b"trainedAlgorithmicMedia")
    card = (destination / CARD_FILE).read_text()
    for expected in (
        "These rows are synthetic",
        "| a | 3 | 100 |",
        "No formal privacy guarantee",
        "Near copies of training samples were not removed (generation.near_copy_quantile: null).",
        "No empirical privacy audit was recorded for these samples.",  # the run was not verified
        "abcd1234abcd1234",
    ):
        assert expected in card
    assert check_export(destination, listing) == {
        "checked": 2,
        "missing": [],
        "altered": [],
        "unlisted": [],
        "ok": True,
    }
    assert not [p for p in destination.parent.iterdir() if p.name.startswith(".")]  # no staging left

    with (destination / "rows.parquet").open("ab") as handle:
        handle.write(b"tampered")
    (destination / "extra.csv").write_text("x\n")
    (destination / CARD_FILE).unlink()
    result = check_export(destination, listing)
    assert not result["ok"] and result["altered"] == ["rows.parquet"] and result["missing"] == [CARD_FILE]
    assert result["unlisted"] == ["extra.csv"]


def test_an_existing_export_is_kept_unless_overwrite_is_asked(run_dir, tmp_path):
    destination = tmp_path / "export"
    destination.mkdir()
    (destination / "precious.txt").write_text("keep me")
    with pytest.raises(UserInputError, match="already exists") as caught:
        export_run(run_dir, destination)
    assert "--overwrite" in caught.value.hint and (destination / "precious.txt").read_text() == "keep me"
    export_run(run_dir, destination, overwrite=True)
    assert not (destination / "precious.txt").exists() and (destination / EXPORT_FILE).is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_interrupted_export_leaves_no_partial_dataset(run_dir, tmp_path, monkeypatch):
    destination = tmp_path / "export"

    def crash(**_):
        raise KeyboardInterrupt  # as if the process were stopped mid-export

    monkeypatch.setattr(export_module, "render_card", crash)
    with pytest.raises(KeyboardInterrupt):
        export_run(run_dir, destination)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]  # no export, no staging folder


def test_a_run_without_generated_samples_cannot_be_exported(run_dir, tmp_path):
    manifest = json.loads((run_dir / "manifest.json").read_text())
    del manifest["generation"]
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserInputError, match="no generated samples"):
        export_run(run_dir, tmp_path / "export")
    assert not (tmp_path / "export").exists()


def test_atomic_directory_replaces_a_folder_only_when_the_new_one_is_complete(tmp_path):
    target = tmp_path / "data"
    with atomic_directory(target) as staging:
        (staging / "a.txt").write_text("1")
        assert not target.exists()
    assert (target / "a.txt").read_text() == "1"
    with pytest.raises(RuntimeError), atomic_directory(target, overwrite=True) as staging:
        (staging / "b.txt").write_text("2")
        raise RuntimeError("disk full")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"] and (target / "a.txt").exists()


def test_card_statements_for_private_and_unmarked_data():
    statement = {
        "epsilon": 2.99,
        "delta": 1e-5,
        "accountant": "prv",
        "mechanism": "DP-SGD on the discriminator (Opacus), Poisson sampling",
        "noise_multiplier": 2.6,
        "sample_rate": 0.032,
        "steps": 1200,
        "max_grad_norm": 1.0,
        "guarantee": "G.",
        "not_covered": "N.",
    }
    text = privacy_text(statement)
    assert text.startswith("**(2.99, 1e-05)-differential privacy**") and "1200 steps" in text
    assert "Not watermarked** (not applied: disabled" in watermark_text(
        {"applied": False, "reason": "not applied: disabled by watermark.enabled: false"}, kind="image"
    )


def test_card_states_the_privacy_audit_in_words():
    audit = {
        "share_closer_to_train": 0.588,
        "exact_copies": 0.0,
        "near_copies": 0.004,
        "membership_auc": 0.3,
        "membership_auc_either_way": 0.7,
    }
    text = audit_text(audit, held_out=171)
    assert "against the 171 held-out real records" in text and "59% of the samples lie nearer" in text
    assert "0.4% are near copies and 0.0% exact copies" in text
    assert "AUC of 0.30 (0.70 with its direction chosen afterwards)" in text
    older = {k: v for k, v in audit.items() if k != "membership_auc_either_way"}
    assert "AUC of 0.30 (0.5: it learns nothing)" in audit_text(older, held_out=171)
    assert "No empirical privacy audit" in audit_text(None, held_out=171)


def test_card_says_how_the_model_was_fitted():
    gan = {"synthesizer": "gan", "steps": 1200, "stop_reason": "steps"}
    assert training_words(gan) == "1200 training steps (stopped: steps)"
    copula = {"synthesizer": "copula", "seconds": 0.04, "copula_smoothing": 0.0}
    shrunk = "fitted in 0.04 s (no training steps; empirical marginals; Ledoit-Wolf shrunk correlation)"
    assert training_words(copula) == shrunk
    smoothed = {**copula, "copula_smoothing": 1.0}
    assert "marginals smoothed with 1x Silverman's bandwidth" in training_words(smoothed)
    assert "independent" not in training_words(smoothed)  # the default, 0
    loosened = {**smoothed, "copula_independence": 0.5}
    assert training_words(loosened).endswith("correlation, moved 50% of the way to independent columns)")
    unshrunk = {**copula, "copula_correlation": "empirical"}
    assert training_words(unshrunk).endswith("; empirical marginals; sample (unshrunk) correlation)")
    older = {"synthesizer": "copula", "seconds": 0.04}  # a run from before the settings
    assert training_words(older) == shrunk
    chosen = {**copula, "copula_correlation": "cross-validated", "copula_shrinkage": {"a": 0.02, "b": 0.3}}
    assert training_words(chosen).endswith(
        "; cross-validated shrunk correlation (shrinkage 0.02 to 0.30 by class))"
    )
    formula = {**copula, "copula_shrinkage": {"a": 0.171, "b": 0.174}}  # the same at the card's precision
    assert training_words(formula).endswith("; Ledoit-Wolf shrunk correlation (shrinkage 0.17))")
    assert "shrinkage" not in training_words({**unshrunk, "copula_shrinkage": {"a": 0.0}})
    pooled = {**copula, "copula_marginals": "pooled"}
    assert "; empirical marginals (numeric shapes pooled over the classes); Ledoit-Wolf" in training_words(
        pooled
    )
    assert "pooled" not in training_words({**copula, "copula_marginals": "per-class"})
    truncated = {**copula, "copula_truncation": 0.75}
    assert training_words(truncated).endswith(
        "correlation; numeric normal scores drawn at 0.75 of their spread)"
    )
    assert "spread" not in training_words({**copula, "copula_truncation": 1.0})  # untruncated


def test_card_verification_leads_with_the_recommendation_and_states_the_power():
    entry = {
        "verdict": "no-gain",
        "recommendation": "real only",
        "selected_amount": 1.0,
        "filtered": False,
        "real_balanced_accuracy": 0.93,
        "gain_points": 0.4,
        "gain_ci95_points": [-1.2, 2.0],
        "vs_classic_points": 0.1,
        "vs_classic_ci95_points": [-1.5, 1.7],
    }
    summary = {
        "verdict": "no-gain",
        "recommendation": "real only",
        "metric": "balanced_accuracy",
        "seeds": 5,
        "test_rows": 171,
        "interval": "the 95% interval covers X",
        "classifiers": {"logistic": {**entry, "detectable_points": 2.29}, "random_forest": entry},
    }
    text = verification_text(summary)
    assert text.index("**Recommendation: real only.**") < text.index("**Verdict: no-gain**")
    assert "The 95% interval covers X." in text
    assert "On these 171 held-out samples a true difference had to be about 2.3 (logistic) points" in text
    assert (
        "(random_forest)" not in text
        and "| logistic | real only | 1x | 93.0 | +0.40 [-1.20, +2.00] |" in text
    )
    assert "chosen by cross-validation inside the real training split" in text  # one pass
    assert "sample_weight" not in text  # every amount at weight 1
    heavy = {**summary, "classifiers": {"logistic": {**entry, "selected_weight_with_classic": 4.0}}}
    assert "give the added rows sample_weight w and the real rows 1" in verification_text(heavy)
    smote = {**entry, "selected_amount_classic": 0.5, "selected_weight_classic": 2.0}  # SMOTE's rows alone
    text = verification_text({**summary, "classifiers": {"logistic": smote}})
    assert "| logistic | real only | 1x; SMOTE 0.5x at weight 2 |" in text
    assert "For this table the classic baseline is SMOTE" in text
    assert "classic baseline is SMOTE" not in verification_text(summary)  # images have no SMOTE amount
    assert "give the added rows sample_weight w and the real rows 1" in text
    repeated = verification_text({**summary, "cv_repeats": 5})
    assert "chosen by cross-validation (repeated 5 times on new fold splits) inside the real" in repeated
    seeded = verification_text({**summary, "cv_seeds": 3})
    assert "chosen by cross-validation (each fold's score the mean of 3 classifier seeds) inside" in seeded
    preferring = verification_text({**summary, "preferred": "x4@w0.1"})
    assert (
        "chosen by cross-validation (x4@w0.1 preferred: added unless beaten by more than one standard "
        "error) inside" in preferring
    )


def test_a_signed_export_catches_any_edit_and_never_holds_the_key(run_dir, tmp_path):
    from synthaug.pipeline.integrity import integrity_problem
    from synthaug.pipeline.watermark.keys import generate_key_file
    from synthaug.stages.describe import describe

    key = generate_key_file(tmp_path / "key")
    other = generate_key_file(tmp_path / "other")
    destination = tmp_path / "export"
    export_run(run_dir, destination, key=key)
    text = (destination / EXPORT_FILE).read_text()
    assert key.secret.hex() not in text and key.key_id in text

    intact = describe(str(destination), key=key)
    assert intact["signature"] == {
        "signed": True,
        "key_id": key.key_id,
        "checked": True,
        "ok": True,
        "problem": None,
    }
    assert integrity_problem(intact, destination) is None
    unchecked = describe(str(destination))
    assert unchecked["signature"]["checked"] is False and integrity_problem(unchecked, destination) is None
    wrong_key = describe(str(destination), key=other)["signature"]
    assert wrong_key["ok"] is False and f"not with this key ({other.key_id})" in wrong_key["problem"]

    edited = json.loads(text)
    edited["verification"] = {"verdict": "gain"}  # a record rewritten to say what a reader hopes
    (destination / EXPORT_FILE).write_text(json.dumps(edited))
    problem = integrity_problem(describe(str(destination), key=key), destination)
    assert problem is not None and "export.json was changed after the export was signed" in str(problem)
    (destination / EXPORT_FILE).write_text(text)

    (destination / "images" / "0").mkdir(parents=True)
    (destination / "images" / "0" / "extra.png").write_bytes(b"\x89PNG")
    problem = integrity_problem(describe(str(destination)), destination)  # no key needed for this
    assert (
        problem is not None
        and "1 file(s) in the export are not in its record, e.g. images/0/extra.png" in str(problem)
    )


def test_inspect_of_a_run_checks_its_synthetic_rows(run_dir):
    from synthaug.pipeline.files import sha256_file
    from synthaug.pipeline.integrity import integrity_problem
    from synthaug.stages.describe import describe

    rows = run_dir / "synthetic" / "rows.parquet"
    manifest = json.loads((run_dir / "manifest.json").read_text())
    manifest["generation"]["files"] = {"rows.parquet": sha256_file(rows)}
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    assert integrity_problem(describe(str(run_dir)), run_dir) is None
    with rows.open("ab") as handle:
        handle.write(b"x")
    problem = integrity_problem(describe(str(run_dir)), run_dir)
    assert problem is not None and "differ from the sha256 recorded for them" in str(problem)
    assert "rows.parquet" in str(problem)
