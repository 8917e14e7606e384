"""How should the tabular copula estimate each class's correlation and marginals? Exploration on kept runs.

    python -m benchmarks.verification_gain --datasets breast_cancer birthwt crabs oj melanoma \
        --seeds 5 6 7 --no-ctgan --set training.synthesizer=copula --keep RUNS [--full]
    python -m benchmarks.copula_variants RUNS [RUNS ...] [--variants ...] [--result-name NAME]

For every kept run (its training split, its selection folds and its held-out test split), the
copula is fitted again with each correlation estimate below, for the run and for each selection
fold, and its rows go through the verification protocol (rarest-first, one-SE rule, 5 seeds;
no preferred amount, so variants are compared by what the CV chooses for them):

- ``ledoit-wolf`` (the default until 2026-12-07): each class's normal scores, Ledoit-Wolf
  shrinkage to the identity;
- ``empirical``: each class's sample correlation, no shrinkage (``training.copula.correlation:
  empirical`` since 2026-12-07);
- ``cross-validated``: each class's shrinkage toward the identity chosen by the K-fold held-out
  likelihood of its scores (``training.copula.correlation: cross-validated`` since 2026-12-07);
- ``pooled``: one correlation for every class, of the class-centred scores pooled (Ledoit-Wolf);
- ``towards-pooled``: each class's sample correlation mixed with the pooled one, weighted by the
  class's share of the rows;
- ``rda-pooled-marginals``: each class's covariance of scores (1 - t)[(1 - a) S + a P] + t mu I,
  S the class's, P the pooled within-class one (Friedman's regularised discriminant analysis),
  (a, t) on a grid by the K-fold held-out likelihood of the class's rows, P of each fold without
  its held-out rows (a = 1, t = 0.1 below 6 rows); pooled marginals; the recorded shrinkage stays
  Ledoit-Wolf's, which the fit computed first;
- ``truncated-0.9`` to ``truncated-0.5``: the defaults, numeric columns' normal scores drawn at
  that fraction of their spread (``training.copula.truncation``);
- ``pooled-marginals``: cross-validated correlations, and each numeric column's marginal shape
  pooled over the classes (each class keeps its mean and spread; ``training.copula.marginals:
  pooled`` since 2026-12-07); ``empirical-pooled-marginals``: the same marginals with the sample
  correlation;
- ``smoothing S`` (Ledoit-Wolf) and ``empirical, smoothing S``: numeric marginals as kernel
  densities with S times Silverman's bandwidth (``training.copula.smoothing``; 0 is shipped).

Only the correlation estimate and the marginals change; seeds and draws are the run's. Each
variant's rows drawn from the run's training split are also audited against its held-out rows
(privacy/audit.py): the share nearer a training row, and the membership-inference AUC. Samples
are drawn without near-copy curation or watermark, so ``ledoit-wolf`` differs slightly from the
run's own numbers.
Use exploration seeds (5-7), never the benchmark seeds: the test split judges the variants here.
Results: ``benchmarks/results/<--result-name>.json`` and ``.md``: ``copula_variants_exploration``
(the correlation estimates, 15 per class and every row together), ``copula_variants_smoothing_exploration``
(15 per class) and ``copula_variants_smoothing_full_exploration`` (every row).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import multivariate_normal
from sklearn.covariance import LedoitWolf
from sklearn.model_selection import KFold

from benchmarks.common import markdown_table, write_result
from benchmarks.verification_gain import SETTING_FILE
from synthaug.evaluation.downstream_metrics import PRIMARY_METRIC
from synthaug.evaluation.gain import REAL, REAL_SYNTHETIC, SYNTHETIC_ONLY, predict_seed, scores_of
from synthaug.evaluation.run_verification import DownstreamClassifier, privacy_audit, protocol_settings
from synthaug.evaluation.samples import Samples
from synthaug.evaluation.selection import FoldPool, select_settings
from synthaug.evaluation.verification_inputs import VerificationFiles
from synthaug.models import copula_correlation, tabular_copula
from synthaug.pipeline.config import CopulaConfig, EvaluationConfig, TrainingConfig
from synthaug.pipeline.config_loading import load_config
from synthaug.pipeline.dataset import Dataset
from synthaug.pipeline.layout import CONFIG_FILE
from synthaug.pipeline.split import TrainSplit
from synthaug.privacy.audit import MEMBERSHIP_AUC, SHARE_CLOSER_TO_TRAIN

# variant -> (correlation estimate, marginal smoothing)
VARIANTS = {
    "ledoit-wolf": ("ledoit-wolf", 0.0),
    "empirical": ("empirical", 0.0),
    "cross-validated": ("cross-validated", 0.0),
    "pooled": ("pooled", 0.0),
    "towards-pooled": ("towards-pooled", 0.0),
    **{f"smoothing {s:g}": ("ledoit-wolf", s) for s in (0.5, 1.0, 2.0)},
    **{f"empirical, smoothing {s:g}": ("empirical", s) for s in (0.5, 1.0)},
    "pooled-marginals": ("cross-validated", 0.0),
    "empirical-pooled-marginals": ("empirical", 0.0),
    "rda-pooled-marginals": ("rda", 0.0),
    **{f"truncated-{psi:g}": ("cross-validated", 0.0) for psi in (0.9, 0.75, 0.6, 0.5)},
}
TRUNCATED = "truncated-"
TRUNCATION = {  # variant -> training.copula.truncation (the others: 1)
    variant: float(variant.removeprefix(TRUNCATED)) for variant in VARIANTS if variant.startswith(TRUNCATED)
}
# training.copula.marginals: pooled
POOLED_MARGINALS = {"pooled-marginals", "empirical-pooled-marginals", "rda-pooled-marginals", *TRUNCATION}
RDA_POOLING = (0.0, 0.25, 0.5, 0.75, 1.0)  # a: 0 the class's own covariance, 1 the pooled one
RESULT = "copula_variants_exploration"
SHIPPED = copula_correlation.METHODS  # estimates training.copula.correlation offers


def fit(train: Dataset, variant: str, seed: int) -> tabular_copula.TabularCopula:
    """The copula of ``train`` with each class's correlation and marginals as ``variant`` says."""
    estimate, smoothing = VARIANTS[variant]
    scores: list[np.ndarray] = []  # each class's (n, p) normal scores, as the fit computes them
    shipped = copula_correlation.estimate_correlation

    def recording(s: np.ndarray, **options) -> tuple[np.ndarray, float]:
        scores.append(s)
        return shipped(s, **options)

    copula_correlation.estimate_correlation = recording
    try:
        rows = np.arange(len(train))
        shipped_estimate = estimate if estimate in SHIPPED else "ledoit-wolf"  # the others mix below
        marginals = "pooled" if variant in POOLED_MARGINALS else "per-class"
        truncation = TRUNCATION.get(variant, 1.0)
        copula = CopulaConfig(
            smoothing=smoothing, correlation=shipped_estimate, marginals=marginals, truncation=truncation
        )
        config = TrainingConfig(synthesizer="copula", copula=copula)
        model = tabular_copula.TabularCopula(config, seed=seed).fit(TrainSplit(train, rows, rows))
    finally:
        copula_correlation.estimate_correlation = shipped
    if estimate in SHIPPED:
        return model
    if estimate == "rda":
        for k, copula in enumerate(model.copulas_):
            copula.correlation = copula_correlation.unit_diagonal(towards_pooled(scores, k, seed=seed))
        return model
    centred = np.concatenate([s - s.mean(axis=0) for s in scores])
    pooled = copula_correlation.unit_diagonal(LedoitWolf(assume_centered=True).fit(centred).covariance_)
    for copula, s in zip(model.copulas_, scores, strict=True):
        own = copula_correlation.unit_diagonal(np.cov(s.T)) if len(s) > 1 else pooled
        if estimate == "pooled":
            copula.correlation = pooled
        else:
            weight = len(s) / len(centred)
            copula.correlation = weight * own + (1 - weight) * pooled
    return model


def towards_pooled(scores: list[np.ndarray], k: int, *, seed: int) -> np.ndarray:
    """Class ``k``'s covariance of normal scores, ``rda-pooled-marginals`` (module docstring)."""
    x = scores[k]
    n, p = x.shape
    others = [s for j, s in enumerate(scores) if j != k and len(s) > 1]
    other_scatter = sum((_scatter(s) for s in others), np.zeros((p, p)))
    other_dof = sum(len(s) - 1 for s in others)

    def estimate(rows: np.ndarray, a: float, t: float) -> np.ndarray:
        own = np.cov(rows, rowvar=False) if len(rows) > 1 else np.eye(p)
        pooled = (_scatter(rows) + other_scatter) / max(len(rows) - 1 + other_dof, 1)
        mixed = (1 - a) * own + a * pooled
        return (1 - t) * mixed + t * np.trace(mixed) / p * np.eye(p)

    if n < copula_correlation.MIN_ROWS_TO_CROSS_VALIDATE:
        return estimate(x, 1.0, 0.1)
    grid = [(a, t) for a in RDA_POOLING for t in copula_correlation.SHRINKAGE_GRID]
    held_out = np.zeros(len(grid))
    folds = KFold(min(copula_correlation.MAX_FOLDS, n // 2), shuffle=True, random_state=seed)
    for fit_rows, check_rows in folds.split(x):
        part = x[fit_rows]
        for i, (a, t) in enumerate(grid):
            held_out[i] += _log_likelihood(estimate(part, a, t), part.mean(axis=0), x[check_rows])
    return estimate(x, *grid[int(np.argmax(held_out))])


def _scatter(x: np.ndarray) -> np.ndarray:
    centred = x - x.mean(axis=0)
    return centred.T @ centred


def _log_likelihood(covariance: np.ndarray, mean: np.ndarray, x: np.ndarray) -> float:
    """Mean Gaussian log-density of the rows ``x``; -inf for a singular ``covariance``."""
    try:
        return float(np.mean(multivariate_normal(mean, covariance).logpdf(x)))
    except (np.linalg.LinAlgError, ValueError):
        return -np.inf


def draw(model: tabular_copula.TabularCopula, per_class: int, seed: int) -> Samples:
    labels = np.repeat(np.arange(len(model.classes_)), per_class)
    synthetic = model.sample(len(labels), labels=labels, seed=seed)
    return Samples(synthetic.rows.drop(columns=[synthetic.target]), synthetic.labels, len(model.classes_))


def verify_variants(run: Path, spec: EvaluationConfig, variants: list[str]) -> list[dict]:
    files = VerificationFiles.of_run(run)
    train, real, kept = files.training()
    test, pools = files.held_out(), files.fold_pools(train)
    seed = load_config(run / CONFIG_FILE).seed
    per_class = int(kept.counts().max())
    dataset = json.loads((run / SETTING_FILE).read_text())["dataset"]
    settings = protocol_settings(spec)
    rows = []
    for variant in variants:
        pool = draw(fit(train, variant, seed), per_class, seed + 1)
        audited = privacy_audit(real, test, pool)
        fold_pools = [
            FoldPool(
                draw(fit(train.subset(p.trained_on), variant, seed + 1000 + k), per_class, seed + 2000 + k),
                p.trained_on,
            )
            for k, p in enumerate(pools)
        ]
        for name in spec.tabular_classifiers:
            make = DownstreamClassifier("tabular", name, real.n_classes, spec.cnn_steps, "cpu")
            chosen = select_settings(
                real=real, synthetic=pool, make=make, kind="tabular", settings=settings, fold_pools=fold_pools
            )
            scores = [
                scores_of(
                    test,
                    predict_seed(
                        real=real,
                        synthetic=pool,
                        test=test,
                        make=make,
                        chosen=chosen,
                        kind="tabular",
                        seed=s,
                        allocation=spec.allocation,
                    ),
                )
                for s in range(spec.seeds)
            ]
            mean = {c: float(np.mean([s[c][PRIMARY_METRIC] for s in scores])) for c in scores[0]}
            rows.append(
                {
                    "dataset": dataset,
                    "seed": seed,
                    "classifier": name,
                    "variant": variant,
                    "selected_amount": chosen.selections["synthetic"].amount,
                    "gain_points": round(100 * (mean[REAL_SYNTHETIC] - mean[REAL]), 3),
                    "synthetic_only_points": round(100 * (mean[SYNTHETIC_ONLY] - mean[REAL]), 3),
                    SHARE_CLOSER_TO_TRAIN: round(audited[SHARE_CLOSER_TO_TRAIN], 3),
                    MEMBERSHIP_AUC: round(audited[MEMBERSHIP_AUC], 3),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("runs", type=Path, nargs="+", help="folders of runs kept by verification_gain --keep")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--result-name", default=RESULT, help="results file stem")
    args = parser.parse_args()
    spec = EvaluationConfig()
    rows = [
        row
        for folder in args.runs
        for run in sorted(p for p in folder.iterdir() if (p / SETTING_FILE).is_file())
        for row in verify_variants(run, spec, args.variants)
    ]
    frame = pd.DataFrame(rows)
    measured = ["gain_points", "synthetic_only_points", SHARE_CLOSER_TO_TRAIN, MEMBERSHIP_AUC]
    per_setting = (
        frame.groupby(["variant", "dataset", "classifier"], sort=False)[measured].mean().reset_index()
    )
    summary = (
        per_setting.groupby("variant", sort=False)
        .agg(
            settings=("gain_points", "size"),
            mean_gain_points=("gain_points", "mean"),
            worst_gain_points=("gain_points", "min"),
            mean_synthetic_only_points=("synthetic_only_points", "mean"),
            worst_synthetic_only_points=("synthetic_only_points", "min"),
            mean_share_closer_to_train=(SHARE_CLOSER_TO_TRAIN, "mean"),
            worst_share_closer_to_train=(SHARE_CLOSER_TO_TRAIN, "max"),
            mean_membership_auc=(MEMBERSHIP_AUC, "mean"),
            worst_membership_auc=(MEMBERSHIP_AUC, "max"),
        )
        .round(2)
        .reset_index()
    )
    write_result(args.result_name, {"summary": summary.to_dict(orient="records"), "per_run": rows})
    text = (
        "# Copula correlation estimates and marginals (exploration seeds)\n\n"
        "Points of balanced accuracy over real only on each run's held-out test split: the gain of "
        "real + copula rows under the verification protocol, and of copula rows alone; the audit of "
        "the rows drawn from the training split against the held-out rows (share nearer a training "
        "row, 0.5 ideal; membership-inference AUC, 0.5 ideal). Means per dataset and classifier, "
        "then over them. See `benchmarks/copula_variants.py`.\n\n"
        + markdown_table(summary)
        + "\n\nPer dataset and classifier:\n\n"
        + markdown_table(per_setting.round(2))
        + "\n"
    )
    (Path(__file__).resolve().parent / "results" / f"{args.result_name}.md").write_text(text)
    print(summary.to_string())


if __name__ == "__main__":
    main()
