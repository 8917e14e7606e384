"""The verification stage in the main job: its files, the verdict in the export, require_gain."""

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.settings import QUICK_VERIFICATION, SMALL_TABULAR_GAN, set_args

REPO = Path(__file__).resolve().parents[2]
TINY = [
    "training.steps=4",
    *SMALL_TABULAR_GAN,
    "generation.per_class=40",
    "dataset.per_class=15",
    *QUICK_VERIFICATION,
]


def run(cli, output: Path, *extra: str) -> tuple[int, str, str]:
    args = set_args(*TINY, *extra)
    return cli("run", "--config", REPO / "examples" / "breast_cancer.yaml", "--output-dir", output, *args)


@pytest.mark.slow
def test_the_verdict_is_recorded_and_travels_with_the_export(cli, tmp_path):
    code, out, err = run(cli, tmp_path / "runs", "evaluation.amounts=[0, 1]")
    assert code == 0, err
    [run_dir] = list((tmp_path / "runs").iterdir())
    result = json.loads((run_dir / "evaluation" / "gain.json").read_text())
    assert set(result["classifiers"]) == {"logistic", "random_forest"}
    conditions = result["classifiers"]["logistic"]["conditions"]
    assert set(conditions) == {
        "real",
        "real+synthetic",
        "real+classic",
        "real+classic+synthetic",
        "synthetic-only",
    }
    assert result["sizes"]["real_train"] == 30 and result["sizes"]["test"] == 171
    audit = result["privacy_audit"]
    assert set(audit) == {
        "share_closer_to_train",
        "exact_copies",
        "near_copies",
        "membership_auc",
        "membership_auc_either_way",
    }
    assert all(0.0 <= value <= 1.0 for value in audit.values())
    auc = audit["membership_auc"]
    assert audit["membership_auc_either_way"] == pytest.approx(max(auc, 1 - auc))
    rows = [json.loads(line) for line in (run_dir / "evaluation" / "scores.jsonl").read_text().splitlines()]
    assert len(rows) == 2 * 5 * 2 and {"balanced_accuracy", "macro_f1", "auroc"} <= set(rows[0])
    fidelity = [
        json.loads(line) for line in (run_dir / "evaluation" / "fidelity.jsonl").read_text().splitlines()
    ]
    values = {line["metric"]: line["value"] for line in fidelity if "class" not in line}
    assert {"column_shapes", "correlation_difference", "detection_auc/logistic", "detection_auc/tree"} <= set(
        values
    )
    assert 0 <= values["column_shapes"] <= 1 and 0 <= values["detection_auc/tree"] <= 1
    assert {"metric": "class_counts", "class": "malignant", "real": 15, "synthetic": 40} in fidelity
    manifest = json.loads((run_dir / "manifest.json").read_text())
    verdict = manifest["verification"]["verdict"]
    assert verdict == result["verdict"]
    logistic = manifest["verification"]["classifiers"]["logistic"]
    gain, (low, high) = logistic["gain_points"], logistic["gain_ci95_points"]
    vs_classic, (classic_low, classic_high) = (
        logistic["vs_classic_points"],
        logistic["vs_classic_ci95_points"],
    )
    recommendation = manifest["verification"]["recommendation"]
    line = (
        f"recommendation: {recommendation}; verdict: {verdict} "
        f"(logistic {gain:+.2f} [{low:+.2f}, {high:+.2f}] vs real only, "
        f"{vs_classic:+.2f} [{classic_low:+.2f}, {classic_high:+.2f}] vs classic; random_forest "
    )
    assert line in " ".join(out.split())
    assert "95% intervals over the test rows and" in " ".join(out.split())
    assert f"report: {(run_dir / 'report' / 'report.html').as_uri()}" in out
    exported = json.loads(
        pq.read_schema(run_dir / "export" / "rows.parquet").metadata[b"synthaug.verification"]
    )
    assert exported["verdict"] == verdict and set(exported["classifiers"]) == {"logistic", "random_forest"}
    card = (run_dir / "export" / "DATASET_CARD.md").read_text()
    assert exported["recommendation"] == recommendation
    assert card.index(f"**Recommendation: {recommendation}.**") < card.index(f"**Verdict: {verdict}**")
    assert "stratified paired bootstrap of the rows" in card
    # the power of this test set, from the interval of what was added, in the card and the report;
    # none when the CV added neither synthetic nor classic data (no comparison has any spread)
    report = " ".join((run_dir / "report" / "report.md").read_text().split())
    assert result["settings"]["allocation"] == "rarest-first"  # the default, and what it means
    assert "rarest classes first (tables, on top of SMOTE rows: the classes rarest after them" in report
    for name, entry in result["classifiers"].items():
        effect, summary = entry["detectable_effect"], manifest["verification"]["classifiers"][name]
        if effect is None:
            assert entry["selection"]["synthetic"]["amount"] == entry["selection"]["classic"]["amount"] == 0
            assert "detectable_points" not in summary and f"({name})" not in card
            continue
        assert (
            effect["based_on"] in ("real+synthetic vs real", "real+classic vs real")
            and effect["difference"] > 0
        )
        assert summary["detectable_points"] == round(100 * effect["difference"], 2)
        assert f"{summary['detectable_points']:.1f} ({name})" in card and f"({name})" in report
        assert "On these 171 held-out samples a true difference had to be about" in report


@pytest.mark.slow
def test_require_gain_exports_nothing_without_a_gain_and_keeps_the_run(cli, tmp_path):
    # amounts [0]: nothing is ever added, so the paired difference is exactly zero: no-gain
    code, _, err = run(cli, tmp_path / "runs", "evaluation.amounts=[0]", "evaluation.require_gain=true")
    assert code == 4
    assert (
        "not exported: evaluation.require_gain is true and the verification verdict is 'no-gain'"
        in " ".join(err.split())
    )
    [run_dir] = list((tmp_path / "runs").iterdir())
    assert not run_dir.name.endswith((".partial", ".failed")) and not (run_dir / "export").exists()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["export"]["verdict"] == "no-gain" and manifest["status"] == "complete"
    assert (run_dir / "synthetic" / "rows.parquet").is_file() and (
        run_dir / "evaluation" / "gain.json"
    ).is_file()
