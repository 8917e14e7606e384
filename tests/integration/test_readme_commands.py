"""The README's command-line section, run the way a user runs it: from a working directory of
one's own that holds the project's ``examples/``, with relative paths and the default output
directory ``runs``. Runs use the shipped configs with small ``--set`` overrides of steps and
seeds only. (``run --resume`` and ``serve`` are run in this form by test_cli_end_to_end.py and
test_scheduled_deployment.py, ``--help`` by tests/unit/flows/test_cli.py.)
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from PIL import Image

from synthaug import load_model
from synthaug.pipeline.config import CALIBRATION_FITS, DatasetConfig, ImageOptions, demo_config
from synthaug.pipeline.dataset_io import read_dataset
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.sources.image_folder import read_image_folder
from synthaug.stages.near_copy_calibration import CANDIDATES
from synthaug.stages.order import STAGES as ORDER

REPO = Path(__file__).resolve().parents[2]
SYNTHAUG = Path(sys.executable).parent / "synthaug"
EXAMPLES = sorted(p.name for p in (REPO / "examples").glob("*.yaml"))
# steps and seeds only: the GAN's steps, the verification's seeds and its CNN's steps
SMALL = ("--set", "training.steps=10", "--set", "evaluation.seeds=2", "--set", "evaluation.cnn_steps=5")
STAGES = list(ORDER)


def synthaug(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """The installed console script in a fresh process, as a user starts it."""
    environment = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **(env or {})}
    environment.pop("PREFECT_API_URL", None)  # the embedded ephemeral API, as a user gets by default
    return subprocess.run(
        [str(SYNTHAUG), *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=600
    )


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def user_dir(tmp_path_factory) -> Path:
    """A user's working directory, like the root of a fresh clone: it holds ``examples/``."""
    path = tmp_path_factory.mktemp("user")
    shutil.copytree(REPO / "examples", path / "examples")
    return path


@pytest.fixture(scope="module")
def demo(user_dir, tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """``synthaug keygen team.key``, then ``synthaug demo`` with that key in the environment."""
    workers = _one_worker_runs_the_demo(tmp_path_factory)
    assert len(workers) == 1, f"the demo ran on workers {workers}: xdist_group no longer groups"
    keygen = synthaug("keygen", "team.key", cwd=user_dir)
    assert keygen.returncode == 0, keygen.stderr
    before = set((user_dir / "runs").glob("digits-demo-*"))  # the digits example may run here too
    result = synthaug("demo", *SMALL, cwd=user_dir, env={"SYNTHAUG_WATERMARK_KEY_FILE": "team.key"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    [run_dir] = set((user_dir / "runs").glob("digits-demo-*")) - before
    return result, run_dir


def _one_worker_runs_the_demo(tmp_path_factory) -> set[str]:
    """The workers that have run the demo fixture in this session, this one included. Whichever
    of two runs it second sees both: the check that the group below keeps its tests together."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return {"main"}
    # in the folder above each worker's, shared by the workers; named by this test run alone
    record = tmp_path_factory.getbasetemp().parent / f"readme-demo-{os.environ['PYTEST_XDIST_TESTRUNUID']}"
    with record.open("a") as workers:
        workers.write(worker + "\n")
    return set(record.read_text().split())


@pytest.mark.slow
@pytest.mark.xdist_group("readme-demo")  # pytest -n: the tests sharing the demo run on one worker
def test_demo_completes_a_run_under_runs_and_says_what_happened(demo, user_dir):
    result, run_dir = demo
    assert run_dir.parent == user_dir / "runs" and run_dir.name.endswith("Z")  # complete: no suffix
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["seed"] == 0
    assert manifest["command"][1:] == ["demo", *SMALL]
    snapshot = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert snapshot["output_dir"] == str(user_dir / "runs")  # resolved once, where the config was loaded
    assert snapshot["dataset"] == demo_config().model_dump(mode="json")["dataset"]
    assert snapshot["training"]["steps"] == 10 and snapshot["evaluation"]["seeds"] == 2

    # the end of the output: where the run is, the verdict with its interval, the report as a URI
    out = words(result.stdout)
    verification = manifest["verification"]
    cnn = verification["classifiers"]["cnn"]
    low, high = cnn["gain_ci95_points"]
    assert f"run complete: {run_dir}" in out
    assert (
        f"recommendation: {verification['recommendation']}; verdict: {verification['verdict']} "
        f"(cnn {cnn['gain_points']:+.2f} [{low:+.2f}, {high:+.2f}] vs real only" in out
    )
    assert verification["recommendation"] in ("real only", "classic", "synthetic", "classic+synthetic")
    report = run_dir / "report" / "report.html"
    assert f"report: {report.as_uri()}" in out and report.is_file()

    # every stage's wall time, in the manifest and the report; the training estimate in the log
    assert (
        list(manifest["stage_seconds"]) == STAGES and manifest["stages_completed"][-len(STAGES) :] == STAGES
    )
    assert all(seconds >= 0 for seconds in manifest["stage_seconds"].values())
    assert manifest["wall_seconds"] == pytest.approx(sum(manifest["stage_seconds"].values()), abs=0.05)
    page = report.read_text()
    assert "<h2>Time</h2>" in page and "estimated at" in page
    assert page.count("data:image/png;base64,") >= 4 and 'src="http' not in page
    log = (run_dir / "logs" / "run.log").read_text()
    assert "estimated training time" in log and "for 10 steps" in log
    assert "verification: " in log and "classifier fits (100%)" in log  # the progress, with an ETA
    assert "data: 1797 image rows from bundled:digits" in log

    # what the job wrote: the split, the synthetic images with provenance, the evaluation
    split = pq.read_table(run_dir / "split.parquet").to_pandas()
    assert split["part"].astype(str).value_counts().to_dict() == {"test": 540, "train": 200, "unused": 1057}
    synthetic = pq.read_table(run_dir / "synthetic" / "manifest.parquet").to_pandas()
    assert synthetic["label"].value_counts().to_dict() == {str(i): 100 for i in range(10)}
    first = run_dir / "synthetic" / synthetic["file"][0]
    assert hashlib.sha256(first.read_bytes()).hexdigest() == synthetic["sha256"][0]
    with Image.open(first) as png:  # plain Pillow reads the provenance from the PNG's text chunks
        chunks = dict(png.text)
    assert chunks["synthetic"] == "true" and chunks["run_id"] == run_dir.name
    assert chunks["digital_source_type"].endswith("/digitalsourcetype/trainedAlgorithmicMedia")
    assert chunks["source_data_sha256"] == manifest["data"]["sha256"]
    assert chunks["config_sha256"] == hashlib.sha256((run_dir / "config.yaml").read_bytes()).hexdigest()
    assert json.loads(chunks["synthaug.privacy"]) == "none" and chunks["generator"] == "synthaug"
    regenerated = read_image_folder(run_dir / "synthetic" / "images", ImageOptions())
    assert regenerated.features.shape == (1000, 8, 8, 1)
    train, test = read_dataset(run_dir / "data" / "train.npz"), read_dataset(run_dir / "data" / "test.npz")
    assert train.features.shape == (200, 8, 8, 1) and test.features.shape == (540, 8, 8, 1)
    assert (run_dir / "model" / "image_cgan.pt").is_file()
    assert (
        manifest["watermark"]["applied"] is True
        and "SYNTHAUG_WATERMARK_KEY_FILE" in manifest["watermark"]["key_source"]
    )
    fidelity = json.loads((run_dir / "evaluation" / "fidelity.json").read_text())["metrics"]
    assert fidelity["class_counts"]["per_class"]["0"] == {"real": 20, "synthetic": 100}
    assert verification["verdict"] in ("gain", "no-gain", "harm") and verification["seeds"] == 2
    assert sorted(p.name for p in (run_dir / "training" / "grids").iterdir()) == ["step_000010.png"]
    assert manifest["export"]["directory"] == "export" and (run_dir / "export" / "DATASET_CARD.md").is_file()


@pytest.mark.slow
@pytest.mark.xdist_group("readme-demo")
@pytest.mark.usefixtures("prefect_api")
def test_a_run_is_inspected_reported_exported_and_its_watermark_checked(cli, demo, user_dir, monkeypatch):
    monkeypatch.chdir(user_dir)
    run = f"runs/{demo[1].name}"
    code, out, _ = cli("inspect", run, "--json")  # synthaug inspect runs/<run-id>
    assert code == 0 and json.loads(out)["synthetic"]["checksums"]["ok"]

    code, out, _ = cli("report", run)  # synthaug report runs/<run-id>
    assert code == 0 and "report/report.html" in out
    assert "<td>report</td>" in (user_dir / run / "report" / "report.html").read_text()  # a finished run

    code, out, err = cli("export", run, "--to", "exports/digits-v1")  # synthaug export ... --to ...
    assert code == 0, err
    export = user_dir / "exports" / "digits-v1"
    assert "files to exports/digits-v1" in words(out) and (export / "export.json").is_file()
    code, out, _ = cli("inspect", "exports/digits-v1", "--json")  # synthaug inspect exports/digits-v1
    assert code == 0 and json.loads(out)["checksums"]["ok"] and json.loads(out)["image_checksums"]["ok"]
    code, _, err = cli("export", run, "--to", "exports/digits-v1")
    assert code == 2 and "refusing to overwrite" in words(err)
    images = sorted((export / "images").rglob("*.png"))
    images[0].write_bytes(b"not an image")
    code, _, err = cli("inspect", "exports/digits-v1")
    assert code == 2 and "differ from the sha256" in words(err)
    assert cli("export", run, "--to", "exports/digits-v1", "--overwrite")[0] == 0
    assert cli("inspect", "exports/digits-v1")[0] == 0
    runs = set((user_dir / "runs").iterdir())
    code, _, err = cli("demo", "--set", "export.directory=exports/digits-v1", "--set", "training.steps=1")
    assert code == 2 and "export.directory already exists" in words(err)
    assert set((user_dir / "runs").iterdir()) == runs  # refused before anything was written

    # synthaug verify-watermark runs/<run-id> --key-file team.key, and on a plain folder of images
    code, out, _ = cli("verify-watermark", run, "--key-file", "team.key")
    assert code == 0 and "MARKED" in out and "1000 samples tested" in words(out)
    some = user_dir / "some" / "images"  # re-saved without their text chunks: the mark is in the pixels
    some.mkdir(parents=True)
    for path in images[::2]:
        with Image.open(path) as image:
            Image.fromarray(np.asarray(image)).save(some / f"{path.parent.name}-{path.name}")
    code, out, _ = cli("verify-watermark", "some/images/", "--key-file", "team.key")
    assert code == 0 and "500 samples tested" in words(out) and "defaults" in out
    code, out, _ = cli("verify-watermark", str(images[1].relative_to(user_dir)), "--key-file", "team.key")
    assert code in (0, 3) and "1 samples tested" in words(out)  # one image: too few pixels to be sure
    assert cli("keygen", "other.key")[0] == 0
    code, out, _ = cli("verify-watermark", "exports/digits-v1", "--key-file", "other.key")
    assert code == 3 and "NOT MARKED" in out and "different key id" in words(out)
    secret = (user_dir / "team.key").read_text().strip()
    for path in export.rglob("*"):  # the key is in no exported byte
        if path.is_file():
            assert secret.encode() not in path.read_bytes() and bytes.fromhex(secret) not in path.read_bytes()


@pytest.mark.slow
@pytest.mark.xdist_group("readme-demo")
@pytest.mark.usefixtures("prefect_api")
def test_people_judge_the_demo_and_its_export_loads_as_the_readme_shows(cli, demo, user_dir, monkeypatch):
    monkeypatch.chdir(user_dir)
    run = f"runs/{demo[1].name}"
    code, out, err = cli("human-eval", run, "--n", "40")  # synthaug human-eval runs/<run-id> --n 40
    assert code == 0, err
    assert f"{run}/human-eval/page.html" in words(out)
    key = json.loads((user_dir / run / "human-eval" / "key.json").read_text())
    answers = {
        "page": key["page"],
        "rater": "ml-team",
        "answers": [{"item": i["id"], "answer": "real"} for i in key["items"]],
    }
    Path("answers-ml-team.json").write_text(json.dumps(answers))
    # synthaug human-eval score runs/<run-id> answers-*.json
    code, out, err = cli("human-eval", "score", run, "answers-ml-team.json")
    assert code == 0, err
    assert "People could not tell synthetic from real: one person labelled 50% of 40 answers" in words(out)

    # the README's Python for an image export, as typed (into an export of its own)
    assert cli("export", run, "--to", "exports/digits-readme")[0] == 0
    readme = (REPO / "README.md").read_text()
    blocks = [b.split("```")[0] for b in readme.split("```python\n")[1:]]
    [snippet] = [b for b in blocks if 'load_export("exports/digits-v1"' in b]
    snippet = "import synthaug\n" + snippet.replace("exports/digits-v1", "exports/digits-readme")
    ran = subprocess.run(
        [sys.executable, "-c", snippet], cwd=user_dir, capture_output=True, text=True, timeout=300
    )
    assert ran.returncode == 0, ran.stderr
    verdict = json.loads((demo[1] / "manifest.json").read_text())["verification"]["verdict"]
    assert ran.stdout.strip() == f"0 {verdict}"  # the first image's class, then the verdict


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_api")
@pytest.mark.parametrize("example", EXAMPLES)
def test_each_example_runs_as_the_readme_shows(cli, user_dir, monkeypatch, example):
    monkeypatch.chdir(user_dir)
    before = set((user_dir / "runs").glob("*")) if (user_dir / "runs").exists() else set()
    code, out, err = cli("run", "--config", f"examples/{example}", *SMALL)
    assert code == 0, err
    [run_dir] = set((user_dir / "runs").glob("*")) - before
    config = yaml.safe_load((REPO / "examples" / example).read_text())
    name = config["name"]
    assert run_dir.name.startswith(f"{name}-") and run_dir.name.endswith("Z")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete" and list(manifest["stage_seconds"]) == STAGES
    assert f"report: {(run_dir / 'report' / 'report.html').as_uri()}" in out
    kind = manifest["data"]["kind"]
    synthetic = run_dir / "synthetic" / ("rows.parquet" if kind == "tabular" else "manifest.parquet")
    # the classic baseline is scored unless the example leaves it out, and the verdict line says which
    classic = config.get("evaluation", {}).get("classic_baseline", True)
    result = json.loads((run_dir / "evaluation" / "gain.json").read_text())
    for scored in result["classifiers"].values():
        assert ("real+classic" in scored["conditions"]) is classic
    assert ("vs classic" in out) is classic and result["settings"]["classic_baseline"] is classic
    assert ("no classic baseline was scored" in out) is not classic
    if example.endswith("_dp.yaml"):  # the budget is stated in the run and travels with the data
        statement = manifest["privacy"]
        assert statement == manifest["training"]["privacy"]
        assert 0 < statement["epsilon"] <= statement["target_epsilon"] == 3.0
        for key in (
            "delta",
            "accountant",
            "noise_multiplier",
            "sample_rate",
            "steps",
            "max_grad_norm",
            "public",
        ):
            assert statement[key], key
        assert statement["delta"] < 1 / manifest["split"]["train_rows"]
        assert json.loads(pq.read_schema(synthetic).metadata[b"synthaug.privacy"]) == statement
        # the selection folds' generators train with the run's DP-SGD settings, and the private
        # examples generate enough samples for every candidate amount to be tried
        assert result["selection_data"].startswith("cross-fitted") and result["untested_amounts"] == []
        selection = json.loads((run_dir / "evaluation" / "selection" / "summary.json").read_text())
        assert selection["cross_fitted"] and selection["private"]
        assert "verification" in statement["not_covered"]
        # a human-evaluation page would hand real records to raters: refused unless asked for
        code, _, err = cli("human-eval", str(run_dir.relative_to(user_dir)))
        assert code == 2 and "--include-private-records" in err
    else:
        assert manifest["privacy"] is None
        assert (run_dir / "evaluation" / "selection" / "fold-2" / "trained_on.json").is_file()
    if kind == "tabular":
        rows = pq.read_table(synthetic).to_pandas()
        train = pq.read_table(run_dir / "data" / "train.parquet").to_pandas()
        assert list(rows.columns) == list(train.columns) and "diagnosis" in rows.columns
        assert len(read_dataset(run_dir / "data" / "test.parquet")) == 171 and train.shape[1] == 31
        per_class = config.get("generation", {}).get("per_class", 100)
        assert rows["diagnosis"].value_counts().to_dict() == {"benign": per_class, "malignant": per_class}
        assert (run_dir / "model" / "tabular_cgan.pt").is_file()
        figures = {p.name for p in (run_dir / "report" / "figures").iterdir()}
        assert {"training_curves.png", "column_distributions.png", "correlations.png"} <= figures
        markdown = (run_dir / "report" / "report.md").read_text()
        assert "## Does it help?" in markdown and "| column_shapes |" in markdown
        if example == "breast_cancer.yaml":
            assert manifest["split"]["train_class_counts"] == {"benign": 15, "malignant": 15}


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_api")
def test_the_copula_command_fits_a_copula_and_the_run_says_so(cli, user_dir, monkeypatch):
    monkeypatch.chdir(user_dir)
    before = set((user_dir / "runs").glob("*")) if (user_dir / "runs").exists() else set()
    # synthaug run --config examples/breast_cancer.yaml --set training.synthesizer=copula
    code, _, err = cli(
        "run", "--config", "examples/breast_cancer.yaml", "--set", "training.synthesizer=copula", *SMALL
    )
    assert code == 0, err
    [run_dir] = set((user_dir / "runs").glob("*")) - before
    manifest = json.loads((run_dir / "manifest.json").read_text())
    training = manifest["training"]
    assert training["synthesizer"] == "copula" and training["steps"] == 0
    assert training["copula_smoothing"] == 0.0  # the defaults: unsmoothed marginals pooled in shape
    assert training["copula_marginals"] == "pooled"
    assert training["copula_correlation"] == "cross-validated"  # shrinkage by held-out likelihood
    assert training["copula_truncation"] == 0.75  # numeric scores drawn at 0.75 of their spread
    assert (run_dir / "model" / "tabular_copula.pt").is_file()
    assert not (run_dir / "model" / "tabular_cgan.pt").exists()
    rows = pq.read_table(run_dir / "synthetic" / "rows.parquet").to_pandas()
    assert rows["diagnosis"].value_counts().to_dict() == {"benign": 100, "malignant": 100}
    # the selection folds fit their own copulas, without the fold's validation rows
    selection = json.loads((run_dir / "evaluation" / "selection" / "summary.json").read_text())
    assert selection["cross_fitted"] and selection["steps"] == 0
    report = (run_dir / "report" / "report.md").read_text()
    assert "A class-conditional Gaussian copula was fitted in" in report
    shrinkage = training["copula_shrinkage"]  # each class's, from the grid
    assert set(shrinkage) == {"benign", "malignant"} and all(0 < t <= 1 for t in shrinkage.values())
    marginals = "empirical marginals (numeric shapes pooled over the classes)"
    least = min(shrinkage.values())
    assert f"{marginals}; cross-validated shrunk correlation (shrinkage {least:.2f}" in report
    assert "; numeric normal scores drawn at 0.75 of their spread)" in report
    # the copula's measured amount is preferred by default: 4x added unless the CV refuses it
    snapshot = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert snapshot["evaluation"]["preferred_amount"] == 4.0
    assert "the preferred candidate x4 counts as the simplest" in report
    card = (run_dir / "export" / "DATASET_CARD.md").read_text()
    assert "- Model: class-conditional Gaussian copula, fitted in" in card
    assert "x4 preferred: added unless beaten by more than one standard error" in card
    # near copies: the quantile is calibrated on folds of the training split, and the run says so
    assert snapshot["generation"]["near_copy_quantile"] == "calibrated"
    curated = manifest["generation"]["near_copies"]
    chosen = curated["calibration"]["fold_membership_auc"]
    assert len(chosen) == len(CANDIDATES) and f"{curated['quantile']:g}" in chosen
    candidates = f"chosen from {len(CANDIDATES)} candidates on {CALIBRATION_FITS} folds"
    said = f"within the {curated['quantile']:.0%} quantile ({candidates}"
    assert said in report and said in card
    audit = manifest["verification"]["privacy_audit"]  # the run's own audit, in the card's words
    assert f"AUC of {audit['membership_auc']:.2f} ({audit['membership_auc_either_way']:.2f} with its" in card
    assert load_model(run_dir).sample(3, labels="malignant").labels.tolist() == [1, 1, 1]


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_api")
def test_a_users_own_table_from_inspect_to_runs_side_by_side(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frame = load_dataset(DatasetConfig(source="bundled:breast_cancer", target="diagnosis")).to_frame()
    frame.to_parquet("data.parquet")
    small = {"steps": 5, "batch_size": 20, "tabular": {"generator_width": 16, "discriminator_width": 16}}
    config = {
        "name": "patients",
        "dataset": {"source": "data.parquet", "target": "diagnosis"},
        "training": small,
        "evaluation": {"seeds": 2, "folds": 2, "amounts": [0, 1]},
    }
    Path("my.yaml").write_text(yaml.safe_dump(config))

    code, out, _ = cli("inspect", "data.parquet", "--target", "diagnosis")  # synthaug inspect data.parquet
    assert code == 0 and "target: diagnosis" in out and "malignant" in out
    code, out, err = cli("validate", "--config", "my.yaml")  # synthaug validate --config my.yaml
    assert code == 0, err
    assert "OK my.yaml: 569 tabular rows" in words(out) and not Path("runs").exists()  # wrote nothing

    # synthaug run --config my.yaml --set dataset.per_class=10 --seed 3 --output-dir runs/
    code, out, err = cli(
        "run", "--config", "my.yaml", "--set", "dataset.per_class=10", "--seed", "3", "--output-dir", "runs/"
    )
    assert code == 0, err
    [run_dir] = list((tmp_path / "runs").iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["split"]["train_class_counts"] == {
        "benign": 10,
        "malignant": 10,
    }
    assert manifest["data"]["uri"].endswith("data.parquet")

    # synthaug run -c a.yaml -c b.yaml --workers 2: two datasets side by side, each its own log
    for name, per_class in (("a", 15), ("b", 10)):
        dataset = {**config["dataset"], "per_class": per_class}
        side = {**config, "name": name, "dataset": dataset, "evaluation": {"enabled": False}}
        Path(f"{name}.yaml").write_text(yaml.safe_dump(side))
    code, out, err = cli("run", "-c", "a.yaml", "-c", "b.yaml", "--workers", "2")
    assert code == 0, err
    assert out.count("run complete") == 2 and out.count("report: file://") == 2
    [a_run], [b_run] = (list((tmp_path / "runs").glob(f"{name}-*")) for name in "ab")
    a_log, b_log = ((d / "logs" / "run.log").read_text() for d in (a_run, b_run))
    assert "split: 30 training rows" in a_log and "split: 20" not in a_log
    assert "split: 20 training rows" in b_log and "split: 30" not in b_log


@pytest.mark.slow
@pytest.mark.xdist_group("readme-demo")
def test_each_selection_fold_drew_from_a_generator_that_never_saw_its_validation_rows(demo):
    from synthaug.evaluation.samples import RAREST_FIRST, extra_counts
    from synthaug.evaluation.selection import selection_folds
    from synthaug.evaluation.verification_inputs import VerificationFiles

    _, run_dir = demo
    files = VerificationFiles.of_run(run_dir)
    train = read_dataset(files.train)
    labels = np.asarray(train.labels)
    folds = selection_folds(labels, len(train.classes), 3)
    pools = files.fold_pools(train)
    assert pools is not None and len(pools) == len(folds) == 3
    for (fold_train, validation), pool in zip(folds, pools, strict=True):
        assert set(pool.trained_on.tolist()) == set(fold_train.tolist())
        assert not set(pool.trained_on.tolist()) & set(validation.tolist())
        # what the largest candidate amount (4x) adds to the fold, rarest classes first (a fold
        # holds 13 or 14 rows of a class: every class ends at the same count, give or take rounding)
        fold_counts = np.bincount(labels[fold_train], minlength=len(train.classes))
        expected = extra_counts(fold_counts, 4.0, RAREST_FIRST)
        assert np.ptp(fold_counts + expected) <= 1
        assert list(pool.samples.counts()) == list(expected)
    result = json.loads((run_dir / "evaluation" / "gain.json").read_text())
    assert result["selection_data"].startswith("cross-fitted") and "caveat" not in result
