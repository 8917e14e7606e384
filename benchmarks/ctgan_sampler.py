"""Fit the reference CTGAN on a table and sample from it; runs in the benchmark environment.

    .venv-bench/bin/python -m benchmarks.ctgan_sampler TRAIN.parquet OUT.parquet \
        --target label --per-class 100 --epochs 2000 --seed 0

CTGAN (through rdt) needs pandas < 3, so it cannot share the main environment; benchmarks call
this script in ``.venv-bench`` and read its Parquet output. Settings match
``benchmarks/tabular_vs_ctgan.py``: batch 500, pac 10, one critic step. Each class is requested
``--per-class`` times through CTGAN's condition vector; the returned rows keep the class CTGAN
actually wrote (a soft request: it is not always the one asked for), as a user would get them.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

BATCH = 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("train", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--target", required=True)
    parser.add_argument("--per-class", type=int, required=True)
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from ctgan import CTGAN

    frame = pd.read_parquet(args.train)
    # every column that is not a number (the target, categories such as crabs' sex) is discrete,
    # as text: rdt cannot average a pandas Categorical
    discrete = [
        c
        for c in frame.columns
        if c == args.target
        or not pd.api.types.is_numeric_dtype(frame[c])
        or pd.api.types.is_bool_dtype(frame[c])
    ]
    for column in discrete:
        frame[column] = frame[column].astype(str)
    model = CTGAN(epochs=args.epochs, batch_size=BATCH, pac=10, discriminator_steps=1, enable_gpu=False)
    model.set_random_state(args.seed)
    started = time.perf_counter()
    model.fit(frame, discrete_columns=discrete)
    seconds = time.perf_counter() - started
    classes = sorted(frame[args.target].unique())
    rows = pd.concat(
        [model.sample(args.per_class, condition_column=args.target, condition_value=c) for c in classes],
        ignore_index=True,
    )
    rows.to_parquet(args.out, index=False)
    print(f"ctgan: fitted {frame.shape} in {seconds:.1f}s, sampled {len(rows)} rows")


if __name__ == "__main__":
    main()
