"""Private training variants side by side: which change to the shipped private config helps?

    python -m benchmarks.privacy_variants [--dataset breast_cancer] [--epsilon 3] [--seeds 5] \
        [--variants shipped no-dropout ...] [--data-dir ../shared/data]

Each variant is a set of config overrides on the dataset's private config (the one
``benchmarks/privacy_utility.py`` uses); every variant is trained with the same seeds (each seed
its own held-out split and GAN) at the same epsilon and scored the same way: a standardised
logistic regression trained on synthetic rows only, balanced accuracy on the held-out real rows.
Variants run one after another within one process, so a machine whose speed drifts affects them
alike. Results: ``privacy_variants_<dataset>_eps<epsilon>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from benchmarks.common import RESULTS, markdown_table, write_result
from benchmarks.privacy_utility import ROOT, run

# name -> (overrides, why it might help)
OFF = "privacy.class_means_share=null"  # the private config before the class means existed
VARIANTS: dict[str, tuple[tuple[str, ...], str]] = {
    "shipped": ((), "the shipped private config (class means at share 0.8)"),
    "no-class-means": ((OFF,), "the shipped config before class means: DP-SGD alone"),
    "no-dropout": ((OFF, "training.tabular.dropout=0"), "dropout in D adds noise of its own to DP-SGD's"),
    "d10-g120": (
        (OFF, "training.d_steps_per_g_step=10", "training.steps=120"),
        "Bie et al.: many D steps per G step; the same 1,200 private D steps",
    ),
    "no-dropout-d10-g120": (
        (OFF, "training.tabular.dropout=0", "training.d_steps_per_g_step=10", "training.steps=120"),
        "both",
    ),
    "no-dropout-d5-g240": (
        (OFF, "training.tabular.dropout=0", "training.d_steps_per_g_step=5", "training.steps=240"),
        "both, 5 D steps per G step",
    ),
    "no-dropout-width-64": (
        (OFF, "training.tabular.dropout=0", "training.tabular.discriminator_width=64"),
        "a smaller D: DP noise grows with the number of parameters",
    ),
    "width-64": ((OFF, "training.tabular.discriminator_width=64"), "a smaller D alone"),
    "one-mode": (
        (OFF, "privacy.numeric_modes=1"),
        "fewer encoded dimensions: one mode per numeric column (a scaled value in its bounds)",
    ),
    "class-means-0.3": (
        ("privacy.class_means_share=0.3",),
        "release each class's mean encoded row (30% of epsilon) and pull the generator to it",
    ),
    "class-means-0.5": (("privacy.class_means_share=0.5",), "the same with half of epsilon"),
    "class-means-0.8": (("privacy.class_means_share=0.8",), "the same with 80% of epsilon (the default)"),
    "class-means-weight-10": (
        ("privacy.class_means_share=0.5", "privacy.class_means_weight=10"),
        "half of epsilon, pulled 10x harder",
    ),
    "class-means-0.8-weight-10": (
        ("privacy.class_means_share=0.8", "privacy.class_means_weight=10"),
        "80% of epsilon, pulled 10x harder",
    ),
    "nearest-mean-1": (
        ("privacy.nearest_mean_weight=1",),
        "the default, and each sample nearer its own class's released mean than any other's (weight 1)",
    ),
    "nearest-mean-0.1": (("privacy.nearest_mean_weight=0.1",), "the same at weight 0.1"),
    "no-spread-match": (
        ("privacy.match_class_spread=false",),
        "the default before images released their class spreads (no latent scaling at sampling)",
    ),
    "spread-loss-1": (
        ("privacy.class_spread_weight=1",),
        "images: the generator also matches each class's released spread in training (weight 1)",
    ),
    "mode-seeking-0.5": (
        ("training.mode_seeking_weight=0.5",),
        "images: the mode-seeking regulariser on G, the default without privacy (it reads no real data)",
    ),
    "no-dropout-d5-g240-class-means-0.5": (
        (
            "training.tabular.dropout=0",
            "training.d_steps_per_g_step=5",
            "training.steps=240",
            "privacy.class_means_share=0.5",
        ),
        "the class means with the best training variant",
    ),
}


def summarise(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["near_chance"] = frame["tstr_balanced_accuracy"] <= 1 / frame["classes"] + 0.01
    table = (
        frame.groupby("variant", sort=False)
        .agg(
            seeds=("tstr_balanced_accuracy", "size"),
            mean=("tstr_balanced_accuracy", "mean"),
            std=("tstr_balanced_accuracy", "std"),
            min=("tstr_balanced_accuracy", "min"),
            max=("tstr_balanced_accuracy", "max"),
            at_chance=("near_chance", "sum"),
            real_only=("real_only_balanced_accuracy", "mean"),
            seconds=("training_seconds", "mean"),
        )
        .reset_index()
    )
    table["overrides"] = [", ".join(VARIANTS[v][0]) or "-" for v in table["variant"]]
    table["why"] = [VARIANTS[v][1] for v in table["variant"]]
    return table.round(3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="breast_cancer")
    parser.add_argument("--epsilon", type=float, default=3.0)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    rows = []
    for variant in args.variants:
        for seed in range(args.seeds):
            row = run(args.dataset, args.epsilon, None, args.data_dir, seed, VARIANTS[variant][0])
            rows.append({"variant": variant, **row})
            print(variant, seed, row["tstr_balanced_accuracy"], flush=True)
    write(args.dataset, args.epsilon, args.seeds, rows)


def write(dataset: str, epsilon: float, seeds: int, rows: list[dict]) -> None:
    name = f"privacy_variants_{dataset}_eps{epsilon:g}"
    summary = summarise(rows).to_dict("records")
    write_result(name, {"epsilon": epsilon, "seeds": seeds, "summary": summary, "rows": rows})
    (RESULTS / f"{name}.md").write_text(markdown(dataset, epsilon, seeds, rows), encoding="utf-8")


def markdown(dataset: str, epsilon: float, seeds: int, rows: list[dict], note: str = "") -> str:
    table = markdown_table(summarise(rows))
    return (
        f"# Private training variants: {dataset}, epsilon {epsilon:g}\n\n"
        f"Train-on-synthetic balanced accuracy (logistic regression, held-out real rows), "
        f"{seeds} seed(s) per variant (each its own split and GAN); `at_chance` counts the seeds "
        f"within 0.01 of chance (one over the number of classes).\n\n"
        + (f"{note}\n\n" if note else "")
        + table
        + "\n"
    )


if __name__ == "__main__":
    main()
