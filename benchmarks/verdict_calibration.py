"""How often does the verdict say ``gain`` when it should not, and when it should?

    .venv/bin/python -m benchmarks.verdict_calibration [--datasets breast_cancer digits] \
        [--splits 40] [--controls duplicates jitter more-real]

The verification protocol of a run (evaluation/gain.py: amount and filtering chosen by
inner cross-validation on the training split, every condition trained with the configured seeds,
intervals over test rows and seeds, the recommendation and the verdict) is run with augmenters
whose truth is known in place of the GAN, so no GAN is trained:

- ``duplicates`` (negative control): bootstrap copies of the real training rows. They carry no
  new information; a verdict of ``gain`` is a false gain.
- ``jitter`` (negative control, reported beside it): the same copies with Gaussian noise of 1%
  of each numeric feature's range in the training split (images: of the 0-255 pixel range).
  Noise can regularise a little, so a few gains here may be real.
- ``more-real`` (positive control): as many extra *real* rows per class as the training split
  has, drawn from the rows the scarce subsample left unused. They carry new information.

Each dataset uses its shipped example config (``examples/<name>.yaml``: scarce subsample, test
fraction, classifiers, seeds, amounts, filtering); split ``i`` uses seed ``i``, which redraws the
held-out rows and the scarce subsample. Goals: ``gain`` in at most 5% of duplicate runs and at
least 80% of more-real runs.

``--rule best`` selects by the plain highest CV score instead of the default one-SE rule
(evaluation.selection_rule), to measure what the rule changes; records made before the rule
existed used ``best``. ``--set KEY=VALUE`` changes a setting of the example configs (for
example a preferred candidate: ``--set evaluation.amounts=[4] --set evaluation.added_weights=[0.1]
--set evaluation.preferred_amount=4 --set evaluation.preferred_weight=0.1``); its records carry
the rule with the settings (``one-se with ...``), apart from the plain rule's.
``--selection shared`` runs the selection as it was before cross-fitting
(every fold draws from a pool made from the whole training split, validation rows included),
to measure the flaw that cross-fitting removes. Every finished (dataset, split, control,
selection, rule) appends a line to ``benchmarks/results/verdict_calibration_runs.jsonl``;
a rerun skips what is there (delete the file to start over). ``--refresh`` runs again the
recorded ones made before the control pools held what the largest candidate draws (records
without ``untested_amounts``: under rarest-first a fold whose classes differ in size could not
draw the largest amount) and replaces their records; ``--replace`` runs every selected one again
and replaces its records (after a change to the protocol the old ones no longer describe). The
summary goes to ``verdict_calibration.json`` and ``.md``. ``--first-split`` lets two processes share
the splits (the runs file is changed under a lock).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from benchmarks.common import RESULTS, chosen, markdown_table, write_result
from synthaug.evaluation import fits
from synthaug.evaluation.columns import numeric_columns
from synthaug.evaluation.conditions import REAL, REAL_SYNTHETIC
from synthaug.evaluation.gain import run_protocol
from synthaug.evaluation.run_verification import DownstreamClassifier, classifier_names, protocol_settings
from synthaug.evaluation.samples import Samples, most_drawn
from synthaug.evaluation.selection import FoldPool, selection_folds
from synthaug.evaluation.selection_rule import SELECTION_RULES
from synthaug.evaluation.verdict import DETECTABLE_FACTOR, comparison
from synthaug.evaluation.verification_inputs import samples_of
from synthaug.pipeline.config import EvaluationConfig, SynthaugConfig
from synthaug.pipeline.config_loading import load_config
from synthaug.pipeline.dataset import Dataset
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.split import split_dataset

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {name: ROOT / "examples" / f"{name}.yaml" for name in ("breast_cancer", "digits")}
RUNS_FILE = RESULTS / "verdict_calibration_runs.jsonl"
NOISE = 0.01  # of each feature's range
VERDICTS = ("gain", "no-gain", "harm")
DEFAULT_RULE = EvaluationConfig().selection_rule  # the goals are read under the default
GOALS = {"duplicates": ("at most", 0.05), "more-real": ("at least", 0.80)}


def duplicates(real: Samples, unused: Samples, wanted: np.ndarray, rng: np.random.Generator) -> Samples:
    """``wanted[k]`` bootstrap copies of class k's training rows."""
    picks = [
        rng.choice(np.flatnonzero(real.y == label), size=int(n), replace=True)
        for label, n in enumerate(wanted)
    ]
    return real.subset(np.concatenate(picks))


def jitter(real: Samples, unused: Samples, wanted: np.ndarray, rng: np.random.Generator) -> Samples:
    """``duplicates`` with Gaussian noise, standard deviation 1% of each feature's range."""
    copies = duplicates(real, unused, wanted, rng)
    if isinstance(copies.x, np.ndarray):  # uint8 images
        noisy = copies.x + rng.normal(0, NOISE * 255, copies.x.shape)
        return Samples(np.clip(np.rint(noisy), 0, 255).astype(np.uint8), copies.y, copies.n_classes)
    frame = copies.x.copy()
    for column in numeric_columns(real.x):
        values = real.x[column].astype(float)
        noise = rng.normal(0, NOISE * float(values.max() - values.min()), len(frame))
        noisy = frame[column].astype(float) + noise
        frame[column] = np.rint(noisy) if pd.api.types.is_integer_dtype(real.x[column]) else noisy
    return Samples(frame, copies.y, copies.n_classes)


def more_real(real: Samples, unused: Samples, wanted: np.ndarray, rng: np.random.Generator) -> Samples:
    """As many unused real rows per class as the training split has (fewer if the pool runs out),
    whatever is ``wanted``."""
    picks = []
    for label, count in enumerate(real.counts()):
        members = np.flatnonzero(unused.y == label)
        picks.append(rng.choice(members, size=min(count, len(members)), replace=False))
    return unused.subset(np.concatenate(picks))


# (training rows, unused rows, the most samples of each class any candidate draws, rng) -> pool
CONTROLS: dict[str, Callable[[Samples, Samples, np.ndarray, np.random.Generator], Samples]] = {
    "duplicates": duplicates,
    "jitter": jitter,
    "more-real": more_real,
}


def split_data(config: SynthaugConfig, split: int) -> tuple[Dataset, Dataset, Dataset]:
    """The scarce training rows, the unused training pool and the held-out rows of split ``split``."""
    data = load_dataset(config.dataset)
    train, test = split_dataset(data, config.split, seed=split, per_class=config.dataset.per_class)
    unused = np.setdiff1d(train.pool_indices, train.indices)
    return train.data, data.subset(unused), test.data


def split_samples(config: SynthaugConfig, split: int) -> tuple[Samples, Samples, Samples]:
    """``split_data`` as the classifiers' samples."""
    train, unused, test = split_data(config, split)
    return samples_of(train), samples_of(unused), samples_of(test)


def pool_counts(rows: Samples, spec: EvaluationConfig, kind: str) -> np.ndarray:
    """Per class, the most samples any candidate draws for ``rows``: what a run's generator (or a
    fold's) samples, so that every candidate amount can be tried (under rarest-first a rare class
    asks for more than the largest amount x its own count)."""
    return most_drawn(
        rows.counts(),
        spec.amounts,
        spec.added_weights,
        spec.allocation,
        on_classic=kind == "tabular" and spec.classic_baseline,
    )


def run_control(
    config: SynthaugConfig,
    split: int,
    control: str,
    selection: str = "cross-fit",
    rule: str | None = None,
    label: str | None = None,
) -> list[dict[str, Any]]:
    """The protocol with ``control`` as the synthetic pool; one record per classifier. With
    ``selection="cross-fit"`` each selection fold gets the control made from its own training
    rows, as a run's fold generators are; ``"shared"`` lets every fold draw from the pool made
    from the whole training split. ``label``: the rule as recorded (default: its name)."""
    real, unused, test = split_samples(config, split)
    spec = config.evaluation  # validated again with the rule: --rule best refuses a preferred candidate
    if spec.preference_from_synthesizer:  # the controls are not the synthesizer's samples
        spec = spec.without_preference()
    if rule is not None:
        spec = EvaluationConfig.model_validate({**spec.model_dump(), "selection_rule": rule})
    kind = "image" if isinstance(real.x, np.ndarray) else "tabular"
    rng = np.random.default_rng([split, list(CONTROLS).index(control)])
    make_pool = CONTROLS[control]
    pool = make_pool(real, unused, pool_counts(real, spec, kind), rng)
    classifiers = {
        name: DownstreamClassifier(kind, name, real.n_classes, spec.cnn_steps, "cpu")
        for name in classifier_names(spec, kind)
    }
    fold_pools = None
    if selection == "cross-fit":  # each fold's pool made from that fold's training rows only
        folds = selection_folds(real.y, real.n_classes, spec.folds)
        fold_pools = [
            FoldPool(
                make_pool(real.subset(train), unused, pool_counts(real.subset(train), spec, kind), rng), train
            )
            for train, _ in folds
        ]
    started = time.perf_counter()
    result = run_protocol(
        real=real,
        synthetic=pool,
        test=test,
        classifiers=classifiers,
        kind=kind,
        settings=protocol_settings(spec),
        fold_pools=fold_pools,
    )
    seconds = round(time.perf_counter() - started, 1)
    records = []
    for name, entry in result["classifiers"].items():
        vs_real = comparison(entry, REAL_SYNTHETIC, REAL)
        choice = chosen(entry)
        records.append(
            {
                "dataset": config.name,
                "split": split,
                "control": control,
                "selection": selection,
                "rule": label or spec.selection_rule,
                "classifier": name,
                "verdict": entry["verdict"],
                "recommendation": entry["recommendation"]["option"],
                "vs_real_verdict": vs_real["verdict"],
                "vs_real_points": [round(100 * vs_real[k], 3) for k in ("mean_difference", "low", "high")],
                "selected_amount": choice["amount"],
                "selected_weight": choice["weight"],
                "filtered": choice["filtered"],
                "selected_amount_with_classic": choice["amount_with_classic"],
                "overall_verdict": result["verdict"],
                "untested_amounts": result.get("untested_amounts", []),
                "train_rows": len(real),
                "pool_rows": len(pool),
                "test_rows": len(test),
                "seconds": seconds,
            }
        )
    return records


def predicted_gain_rate(group: pd.DataFrame) -> float:
    """The share of runs whose real+synthetic vs real only comparison should say ``gain`` if each
    run's measured effect were the truth and its interval normal: the power Phi(d / se - z) per run
    (se = half-width / z; 0 where nothing was added), averaged. Beside the observed share it checks
    the power the report states (verdict.DETECTABLE_FACTOR)."""
    z = stats.norm.ppf(0.975)
    powers = []
    for (mean, low, high), amount in zip(group["vs_real_points"], group["selected_amount"], strict=True):
        half = (high - low) / 2
        powers.append(float(stats.norm.cdf(mean / (half / z) - z)) if amount and half > 0 else 0.0)
    return round(float(np.mean(powers)), 3)


def summarise(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    frame = pd.DataFrame(records)
    rows = []
    frame["rule"] = frame["rule"].fillna("best") if "rule" in frame else "best"
    keys = ["dataset", "selection", "rule", "control", "classifier"]
    for (dataset, selection, rule, control, classifier), group in frame.groupby(keys, sort=False):
        row = {
            "dataset": dataset,
            "selection": selection,
            "rule": rule,
            "control": control,
            "classifier": classifier,
            "runs": len(group),
        }
        for verdict in VERDICTS:
            row[verdict] = round(float((group["verdict"] == verdict).mean()), 3)
        for verdict in VERDICTS:
            row[f"vs_real_{verdict}"] = round(float((group["vs_real_verdict"] == verdict).mean()), 3)
        row["amount_chosen_above_zero"] = round(float((group["selected_amount"] > 0).mean()), 3)
        with_classic = group.get("selected_amount_with_classic", pd.Series(dtype=float)).dropna()
        if len(with_classic):  # the amount added on top of the classic augmentation or SMOTE rows
            row["amount_with_classic_above_zero"] = round(float((with_classic > 0).mean()), 3)
        row["predicted_vs_real_gain"] = predicted_gain_rate(group)
        row["mean_vs_real_points"] = round(float(np.mean([p[0] for p in group["vs_real_points"]])), 2)
        added = [
            p for p, amount in zip(group["vs_real_points"], group["selected_amount"], strict=True) if amount
        ]
        if added:  # the effect and the interval when something was added (0 added: no interval)
            half = float(np.mean([(high - low) / 2 for _, low, high in added]))
            row["mean_vs_real_points_when_added"] = round(float(np.mean([p[0] for p in added])), 2)
            row["mean_half_width_points"] = round(half, 2)
            row["detectable_effect_points"] = round(DETECTABLE_FACTOR * half, 2)
        if control in GOALS and selection == "cross-fit" and rule.split(" with ")[0] == DEFAULT_RULE:
            direction, level = GOALS[control]
            share = row["gain"]
            row["goal"] = f"gain {direction} {level:.0%}"
            row["goal_met"] = bool(share <= level if direction == "at most" else share >= level)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(EXAMPLES), choices=list(EXAMPLES))
    parser.add_argument("--splits", type=int, default=40)
    parser.add_argument(
        "--first-split",
        type=int,
        default=0,
        help="start at this split; --splits is then the end (exclusive), so two processes can share "
        "one calibration (e.g. --splits 20 and --first-split 20 --splits 40)",
    )
    parser.add_argument("--controls", nargs="+", default=list(CONTROLS), choices=list(CONTROLS))
    parser.add_argument(
        "--selection",
        default="cross-fit",
        choices=["cross-fit", "shared"],
        help="shared: every selection fold draws from one pool made from all training rows",
    )
    parser.add_argument("--rule", default=DEFAULT_RULE, choices=list(SELECTION_RULES))
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="a config setting"
    )
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="run again the recorded splits made before the control pools were sized for the largest "
        "candidate (no untested_amounts in their records), replacing them",
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="run every selected split again, replacing its records (after a change to the protocol)",
    )
    args = parser.parse_args()
    label = args.rule + (" with " + " ".join(args.overrides) if args.overrides else "")
    fits.FITS.capacity = 256  # a split's controls share their real-only and classic CNN fits

    done = _read_runs()
    for dataset in args.datasets:
        config = load_config(EXAMPLES[dataset], overrides=args.overrides)
        for split in range(args.first_split, args.splits):
            for control in args.controls:
                key = (config.name, split, control, args.selection, label)
                if not to_run(done.get(key), refresh=args.refresh, replace=args.replace):
                    continue
                records = run_control(config, split, control, args.selection, args.rule, label)
                _record_runs(key, records)
                done[key] = records
                print(
                    f"{dataset} split {split} {control}: "
                    + ", ".join(
                        f"{r['classifier']} {r['verdict']} ({r['vs_real_points'][0]:+.2f})" for r in records
                    )
                    + f" in {records[0]['seconds']} s",
                    flush=True,
                )
            fits.FITS.clear()

    done = _read_runs()  # with what other processes (--first-split) recorded meanwhile
    records = [r for group in done.values() for r in group]
    rows = summarise(records)
    write_result(
        "verdict_calibration",
        {
            "commands": [
                "python -m benchmarks.verdict_calibration --datasets breast_cancer digits --splits 40 "
                "--rule best",
                "python -m benchmarks.verdict_calibration --datasets breast_cancer --splits 40 "
                "--controls duplicates --selection shared --rule best",
                "python -m benchmarks.verdict_calibration --datasets breast_cancer digits --splits 40",
                "python -m benchmarks.verdict_calibration --datasets digits --splits 40 "
                "--controls duplicates --set evaluation.amounts=[4] --set evaluation.added_weights=[0.1] "
                "--set evaluation.preferred_amount=4 --set evaluation.preferred_weight=0.1 --replace",
                "python -m benchmarks.verdict_calibration --datasets digits --splits 40 "
                "--controls duplicates --refresh",
                "python -m benchmarks.verdict_calibration --datasets digits --splits 40 --controls jitter",
            ],
            "splits_done": {
                "/".join(key): int(n)
                for key, n in pd.DataFrame(records)
                .drop_duplicates(["dataset", "selection", "rule", "control", "split"])
                .groupby(["dataset", "selection", "rule", "control"])
                .size()
                .items()
            },
            "noise": NOISE,
            "goals": {k: f"gain {d} {v:.0%}" for k, (d, v) in GOALS.items()},
            "seconds_per_run": {
                name: round(float(np.mean([r["seconds"] for r in records if r["dataset"] == name])), 1)
                for name in {r["dataset"] for r in records}
            },
            "summary": rows,
        },
    )
    columns = [
        "dataset",
        "selection",
        "rule",
        "control",
        "classifier",
        "runs",
        *VERDICTS,
        "vs_real_gain",
        "predicted_vs_real_gain",
        "vs_real_harm",
        "amount_chosen_above_zero",
        "mean_vs_real_points",
        "mean_vs_real_points_when_added",
        "mean_half_width_points",
        "detectable_effect_points",
        "goal",
        "goal_met",
    ]
    (RESULTS / "verdict_calibration.md").write_text(
        "# Verdict calibration\n\nShare of runs per verdict (the verdict users act on, then the "
        "real+synthetic vs real only comparison alone, and the share of those gains the runs' own "
        "effects and intervals predict). Where selection added something: the mean "
        "effect in points of balanced accuracy, the mean half-width of its 95% interval, and the "
        "true effect such an interval detects 80% of the time (1.43 x the half-width).\n\n"
        + markdown_table(pd.DataFrame(rows).reindex(columns=columns))
        + "\n",
        encoding="utf-8",
    )


def stale(records: list[dict[str, Any]]) -> bool:
    """Made before the control pools held what the largest candidate draws (``pool_counts``)."""
    return any("untested_amounts" not in r for r in records)


def to_run(recorded: list[dict[str, Any]] | None, *, refresh: bool, replace: bool) -> bool:
    """Whether a (dataset, split, control, selection, rule) is run: when not recorded, with
    ``replace`` always, with ``refresh`` when its records are stale."""
    return recorded is None or replace or (refresh and stale(recorded))


def _key(record: dict[str, Any]) -> tuple[str, int, str, str, str]:
    rule = record.get("rule", "best")  # made before the one-SE rule existed
    return (record["dataset"], record["split"], record["control"], record["selection"], rule)


@contextmanager
def _runs_lock() -> Iterator[None]:
    """Held while the runs file is changed: processes sharing a calibration (--first-split) do
    not lose each other's records. A lock on the folder, so no lock file is left behind."""
    folder = os.open(RUNS_FILE.parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        yield
    finally:
        os.close(folder)  # releases the lock


def _record_runs(key: tuple[str, int, str, str, str], records: list[dict[str, Any]]) -> None:
    """``records`` appended to the runs file, in place of ``key``'s earlier records if it has
    some (rewritten atomically)."""
    with _runs_lock():
        lines = RUNS_FILE.read_text(encoding="utf-8").splitlines() if RUNS_FILE.is_file() else []
        kept = [line for line in lines if _key(json.loads(line)) != key]
        if len(kept) == len(lines):
            with RUNS_FILE.open("a", encoding="utf-8") as handle:
                handle.writelines(json.dumps(r) + "\n" for r in records)
            return
        partial = RUNS_FILE.with_name(RUNS_FILE.name + ".partial")
        text = "".join(line + "\n" for line in [*kept, *map(json.dumps, records)])
        partial.write_text(text, encoding="utf-8")
        partial.replace(RUNS_FILE)


def _read_runs() -> dict[tuple[str, int, str, str, str], list[dict[str, Any]]]:
    done: dict[tuple[str, int, str, str, str], list[dict[str, Any]]] = {}
    if RUNS_FILE.is_file():
        for line in RUNS_FILE.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            record.setdefault("rule", "best")  # made before the one-SE rule existed
            done.setdefault(_key(record), []).append(record)
    return done


if __name__ == "__main__":
    main()
