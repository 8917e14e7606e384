"""Simple per-class image generators against the run's GAN, on kept digits runs.

    .venv/bin/python -m benchmarks.verification_gain --datasets digits --seeds 5 6 7 --no-ctgan \
        --keep runs-explore
    .venv/bin/python -m benchmarks.simple_image_generators --runs runs-explore
    .venv/bin/python -m benchmarks.simple_image_generators --runs runs-confirm \
        --generators gan "pixel copula" "augmented copula" --result-name simple_image_generators_confirmation

On tables a class-conditional Gaussian copula beat the GAN (models/tabular_copula.py). Does a
pixel-space analogue help the CNN on 15 digits per class, where the GAN's images do not? Each
generator below is fitted per class on a kept run's training images only:

- ``pixel gaussian``: the class's mean image and Ledoit-Wolf covariance of its pixels;
- ``pixel copula``: the tabular copula's recipe with pixels as columns (mid-rank normal scores,
  Ledoit-Wolf correlation, kernel-smoothed marginals at Silverman's bandwidth);
- ``augmented gaussian`` / ``augmented copula``: the same, fitted on 20 draws of the CNN's own
  classic augmentation (rotation, shift, scale) of every training image, so the 64 x 64
  dependence is estimated from 300 rows instead of 15;
- ``gan``: the run's own synthetic images (the pipeline's generator), for reference;
- ``mixup within class``: a random blend of two training images of a class (drawn with
  replacement, so about one blend in 15 is of an image with itself, an exact copy), a classic
  augmentation rather than a generator, to tell how much of any gain interpolation alone gives.

Each pool holds 4x the real count per class. Scored like ``benchmarks/synthetic_use.py``: the
verification's CNN (200 steps, classic augmentation on) trained on real + the pool at a batch
share of 0.3 or 0.5, 5 CNN seeds; and ``synthetic only`` (no augmentation, 3 seeds), against
real + classic on each run's held-out test split. The same shares with the CNN's augmentation off
are scored against real only (the issue's real + synthetic goal). Exploration on seeds 5-7, a
confirmation of its picks on seeds 8-12: nothing here touches the README's seeds 0-4. Results:
``benchmarks/results/simple_image_generators.json`` and ``.md`` (``--result-name`` for others).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import norm
from sklearn.covariance import LedoitWolf

from benchmarks.common import RESULTS, markdown_table, read_result, write_result
from benchmarks.synthetic_use import TSTR_SEEDS, RunBench, kept_runs, share_weights, versus_reference
from synthaug.evaluation.samples import PROPORTIONAL, Samples, draw_per_class
from synthaug.models.augment import random_affine
from synthaug.models.tabular_copula import EDGE, kernel_quantiles, silverman_bandwidth

RESULT = "simple_image_generators"
AMOUNT = 4.0
SHARES = (0.3, 0.5)
AUGMENTED_COPIES = 20
SMOOTHING = 1.0
REFERENCE = "real+classic"
PLAIN_REFERENCE = "real only"
PLAIN = ", no augmentation"  # a condition's suffix when the CNN trains without classic augmentation

# (rows of one class (n, p) float, how many, rng) -> (how many, p) float pixels
Fitter = Callable[[np.ndarray, int, np.random.Generator], np.ndarray]


def augmented(images: np.ndarray, copies: int, seed: int) -> np.ndarray:
    """(N * copies, H, W, C) uint8: every image under ``copies`` draws of the CNN's augmentation."""
    x = torch.as_tensor(images, dtype=torch.float32).permute(0, 3, 1, 2).repeat(copies, 1, 1, 1)
    moved = random_affine(x, torch.Generator().manual_seed(seed)).permute(0, 2, 3, 1).numpy()
    return np.clip(np.rint(moved), 0, 255).astype(np.uint8)


def gaussian(rows: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    # only the pixels that vary: shrinkage toward a scaled identity would give a constant pixel
    # (the border of most digits) the mean variance of the others
    varies = rows.std(axis=0) > 0
    out = np.tile(rows.mean(axis=0), (n, 1))
    covariance = LedoitWolf().fit(rows[:, varies]).covariance_
    out[:, varies] = rng.multivariate_normal(out[0, varies], covariance, size=n, method="eigh")
    return out


def copula(rows: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    m, p = rows.shape
    ranks = pd.DataFrame(rows).rank(method="average").to_numpy()
    scores = norm.ppf(np.clip((ranks - 0.5) / m, EDGE, 1 - EDGE))
    covariance = LedoitWolf().fit(scores).covariance_
    spread = np.sqrt(np.clip(np.diag(covariance), 1e-12, None))
    correlation = covariance / np.outer(spread, spread)
    u = norm.cdf(rng.multivariate_normal(np.zeros(p), correlation, size=n, method="eigh"))
    out = np.empty((n, p))
    for j in range(p):
        values = np.sort(rows[:, j])
        h = SMOOTHING * silverman_bandwidth(values)
        if h > 0:
            out[:, j] = kernel_quantiles(values, h, u[:, j])
        else:  # a constant pixel (the border of most digits)
            out[:, j] = np.interp(u[:, j] * m - 0.5, np.arange(m), values)
    return out


def mixup(rows: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    first, second = rng.integers(len(rows), size=n), rng.integers(len(rows), size=n)
    share = rng.random((n, 1))
    return share * rows[first] + (1 - share) * rows[second]


def pool(real: Samples, fit: Fitter, *, augment: bool, rng: np.random.Generator) -> Samples:
    """AMOUNT x each class's real count of images drawn from ``fit`` on that class's images."""
    shape, images, labels = real.x.shape[1:], [], []
    for k in range(real.n_classes):
        own = real.x[real.y == k]
        n = int(AMOUNT * len(own))
        rows = augmented(own, AUGMENTED_COPIES, seed=k) if augment else own
        drawn = fit(rows.reshape(len(rows), -1).astype(np.float64), n, rng)
        images.append(np.clip(np.rint(drawn), 0, 255).astype(np.uint8).reshape(n, *shape))
        labels.append(np.full(n, k))
    return Samples(np.concatenate(images), np.concatenate(labels), real.n_classes)


# name -> (per-class fitter, fitted on augmented copies); "gan" is the run's own synthetic set
GENERATORS: dict[str, tuple[Fitter, bool] | None] = {
    "gan": None,
    "pixel gaussian": (gaussian, False),
    "pixel copula": (copula, False),
    "augmented gaussian": (gaussian, True),
    "augmented copula": (copula, True),
    "mixup within class": (mixup, False),
}


def measure(run: Path, generators: list[str]) -> dict[str, float]:
    """Scores of real + classic and of every pool of ``generators`` on one kept run. The pools draw
    from one generator in this order, so a subset draws other samples than the full set does."""
    bench, rng = RunBench(run), np.random.default_rng(0)
    real = bench.real
    pools = {}
    for name, recipe in GENERATORS.items():
        if name not in generators:
            continue
        if recipe is None:
            pools[name] = draw_per_class(bench.synthetic, real, AMOUNT, rng, allocation=PROPORTIONAL)
        else:
            pools[name] = pool(real, recipe[0], augment=recipe[1], rng=rng)
    return scored_pools(bench, pools)


def scored_pools(
    bench: RunBench, pools: dict[str, Samples], shares: tuple[float, ...] = SHARES
) -> dict[str, float]:
    """Real + classic, real only, and per pool (``AMOUNT`` x the real count): synthetic only, and
    real + the pool at each batch share with the CNN's augmentation on and off."""
    real = bench.real
    scores = {
        REFERENCE: bench.scored(lambda seed: bench.cnn(seed).fit(real.x, real.y)),
        PLAIN_REFERENCE: bench.scored(lambda seed: bench.cnn(seed, augment=False).fit(real.x, real.y)),
    }
    for name, added in pools.items():
        scores[f"{name}: synthetic only"] = bench.scored(
            lambda seed, p=added: bench.cnn(seed, augment=False).fit(p.x, p.y), TSTR_SEEDS
        )
        labels = np.concatenate([real.y, added.y])
        for share in shares:
            weights = share_weights(len(real), len(added), share)
            scores[f"{name}: share {share} at {AMOUNT:g}x"] = bench.with_added(added, labels, weights)
            scores[f"{name}: share {share} at {AMOUNT:g}x{PLAIN}"] = bench.with_added(
                added, labels, weights, augment=False
            )
    return scores


def against_pool(scores: list[dict], reference: str, label: str, share: float) -> pd.DataFrame:
    """Per scoring of ``scored_pools`` at ``share`` (with and without augmentation, synthetic only),
    each pool's paired difference from the ``reference`` pool on the same runs (points, 95%
    t-interval across the runs; ``label`` names the reference in the column)."""
    frame = pd.DataFrame(scores).set_index("run")
    rows = []
    scorings = (f"share {share} at {AMOUNT:g}x", f"share {share} at {AMOUNT:g}x{PLAIN}", "synthetic only")
    for scoring in scorings:
        columns = [c for c in frame if c.endswith(f": {scoring}")]
        table = frame[columns].rename(columns=lambda c: c.split(":")[0])
        found = versus_reference(table, reference, interval=True, label=label)
        rows += [{"scoring": scoring, **row} for row in found if row["method"] != reference]
    return pd.DataFrame(rows)


TITLE = "Simple per-class image generators against the GAN (digits, 15 real per class)"


def write_markdown(
    name: str,
    per_run: list[dict],
    note: str,
    *,
    title: str = TITLE,
    module: str = "simple_image_generators",
    sections: tuple[tuple[str, pd.DataFrame], ...] = (),
) -> None:
    """results/NAME.md: the scores against real + classic and, without augmentation, against real
    only; then each of ``sections`` (a heading sentence and its table)."""
    frame = pd.DataFrame(per_run).set_index("run")
    plain = [c for c in frame.columns if c == PLAIN_REFERENCE or c.endswith(PLAIN)]
    text = (
        f"# {title}\n\n"
        f"Balanced accuracy (%) on each run's held-out test split, mean over {len(per_run)} runs; the "
        f"difference is against {REFERENCE} (the verification's CNN, 200 steps), with a 95% t-interval "
        f"across the runs. Runs: {note}. See `benchmarks/{module}.py` for each "
        "generator.\n\n"
        + markdown_table(pd.DataFrame(versus_reference(frame.drop(columns=plain), REFERENCE, interval=True)))
        + "\n"
    )
    if plain:  # runs measured before the CNN without augmentation was added have none
        rows = versus_reference(frame[plain], PLAIN_REFERENCE, interval=True, label=PLAIN_REFERENCE)
        table = pd.DataFrame(rows)
        text += (
            "\nWithout classic augmentation (the issue's real + synthetic goal): the same CNN with "
            f"augmentation off, against {PLAIN_REFERENCE}.\n\n" + markdown_table(table) + "\n"
        )
    text += "".join(f"\n{heading}\n\n{markdown_table(table)}\n" for heading, table in sections)
    (RESULTS / f"{name}.md").write_text(text, encoding="utf-8")


def kept_runs_parser(description: str, result: str) -> argparse.ArgumentParser:
    """The options of a benchmark that scores pools on kept runs: --runs or --from-result, --note
    and --result-name (default ``result``)."""
    parser = argparse.ArgumentParser(description=description)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--runs", type=Path, help="run directories kept by verification_gain")
    source.add_argument("--from-result", metavar="NAME", help="rewrite NAME.md from results/NAME.json")
    parser.add_argument("--note", default="", help="how the runs were made")
    parser.add_argument(
        "--result-name", help=f"results file stem (default: --from-result's NAME, else {result})"
    )
    parser.set_defaults(default_result_name=result)
    return parser


def measured_or_recorded(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    measure_run: Callable[[Path], dict[str, float]],
    write: Callable[[str, list[dict], str], None],
    *,
    note: str,
    **settings: float,
) -> None:
    """``kept_runs_parser``'s two ways: ``write`` the stored per-run rows of --from-result again
    (under its own name unless --result-name says otherwise), or ``measure_run`` every kept run
    of --runs, store the rows (with ``note`` and ``settings``) and ``write`` them."""
    name = args.result_name or args.from_result or args.default_result_name
    if args.from_result:
        recorded = read_result(args.from_result)
        write(name, recorded["per_run"], recorded["note"])
        return
    per_run = []
    for run in kept_runs(parser, args.runs):
        per_run.append({"run": run.name, **measure_run(run)})
        print(json.dumps(per_run[-1]), flush=True)
    write_result(name, {"note": note, **settings, "per_run": per_run})
    write(name, per_run, note)


def main() -> None:
    parser = kept_runs_parser(__doc__, RESULT)
    parser.add_argument("--generators", nargs="+", choices=list(GENERATORS), default=list(GENERATORS))
    args = parser.parse_args()
    measured_or_recorded(
        parser, args, lambda run: measure(run, args.generators), write_markdown, note=args.note, amount=AMOUNT
    )


if __name__ == "__main__":
    main()
