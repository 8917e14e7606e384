"""Every digits generator variant tried so far, in one table, from stored results.

    .venv/bin/python -m benchmarks.image_variants

Each variant was measured twice on the same kept runs (15 digits per class): by
``benchmarks/verification_gain.py --datasets digits --keep DIR`` (the pipeline's own verification
and privacy audit) and by ``benchmarks/simple_image_generators.py --runs DIR --generators gan``
(the run's synthetic images added to the verification's CNN at fixed batch shares, with and
without its classic augmentation). This reads both stored results per variant and writes one row
each to ``benchmarks/results/image_variants.json`` and ``.md``; it trains nothing.

Columns: ``alone``: the verification's CNN trained on synthetic images only, against real only
(points, mean over runs); ``nearer_train`` / ``attack``: the audit's share of samples nearer a
training image than a held-out one and the membership attack's AUC read either way (mean, and the
worst run); ``on top``: real + classic + synthetic against real + classic; ``without``: real +
synthetic against real only, CNN augmentation off; each a mean with a 95% t-interval across runs.
The issue's goals: on top at least +1 with the lower bound above zero, without at least +2,
nearer_train at most 0.65, attack at most 0.6.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

import pandas as pd

from benchmarks.common import RESULTS, markdown_table, read_result, write_result
from benchmarks.simple_image_generators import PLAIN, PLAIN_REFERENCE, REFERENCE, SHARES
from synthaug.evaluation.statistics import mean_interval

RESULT = "image_variants"
GENERATOR = "gan"  # the simple_image_generators pool that holds the run's own synthetic images


@dataclass(frozen=True)
class Variant:
    label: str
    verification: str  # a verification_gain result name
    pools: str  # a simple_image_generators result name, on the same kept runs


EXPLORATION, CONFIRMATION = "seeds 5-7", "seeds 8-12"
VARIANTS = (
    Variant(
        f"shipped: adaptive DiffAugment, 600 steps, width 32 ({EXPLORATION})",
        "verification_gain_digits_diffaugment_adaptive_exploration",
        "simple_image_generators_gan_shipped_exploration",
    ),
    Variant(
        "DiffAugment always on (p = 1)",
        "verification_gain_digits_diffaugment_on_exploration",
        "simple_image_generators_gan_diffaugment_on_exploration",
    ),
    Variant(
        "p = 1 with the classic affine op",
        "verification_gain_digits_diffaugment_on_affine_exploration",
        "simple_image_generators_gan_diffaugment_on_affine_exploration",
    ),
    Variant(
        "adaptive, target 0.3",
        "verification_gain_digits_diffaugment_target03_exploration",
        "simple_image_generators_gan_diffaugment_target03_exploration",
    ),
    Variant(
        "adaptive, target 0.3, affine op",
        "verification_gain_digits_diffaugment_target03_affine_exploration",
        "simple_image_generators_gan_diffaugment_target03_affine_exploration",
    ),
    Variant(
        "adaptive, 1800 steps",
        "verification_gain_digits_diffaugment_adaptive_1800steps_exploration",
        "simple_image_generators_gan_diffaugment_adaptive_1800steps_exploration",
    ),
    Variant(
        "p = 1, 1800 steps",
        "verification_gain_digits_diffaugment_on_1800steps_exploration",
        "simple_image_generators_gan_diffaugment_on_1800steps_exploration",
    ),
    Variant(
        "LeCam 0.3",
        "verification_gain_digits_lecam_exploration",
        "simple_image_generators_gan_lecam_exploration",
    ),
    Variant(
        "R1 1.0",
        "verification_gain_digits_r1_exploration",
        "simple_image_generators_gan_r1_exploration",
    ),
    Variant(
        "width 16",
        "verification_gain_digits_width16_exploration",
        "simple_image_generators_gan_width16_exploration",
    ),
    Variant(
        "width 64",
        "verification_gain_digits_width64_exploration",
        "simple_image_generators_gan_width64_exploration",
    ),
    Variant(
        f"shipped ({CONFIRMATION})",
        "verification_gain_digits_seeds8_12",
        "simple_image_generators_confirmation",
    ),
    Variant(
        f"p = 1, 1800 steps ({CONFIRMATION})",
        "verification_gain_digits_on_1800steps_seeds8_12",
        "simple_image_generators_gan_on_1800steps_seeds8_12",
    ),
)


def interval(values: pd.Series) -> str:
    spread = mean_interval(values.to_numpy())
    return f"{spread.mean:+.2f} [{spread.low:+.2f}, {spread.high:+.2f}]"


def worst_in_brackets(audit: dict[str, Any], key: str, digits: int) -> str:
    return f"{audit[key]:.{digits}f} ({audit['worst_' + key]:.{digits}f})"


def row(variant: Variant, verification: dict[str, Any], pools: dict[str, Any]) -> dict[str, Any]:
    """One table row from a verification_gain result and a simple_image_generators result."""
    alone = next(r for r in verification["table"] if r["method"] == "synthaug-only")
    (audit,) = verification["memorisation"]
    runs = pd.DataFrame(pools["per_run"])
    if PLAIN_REFERENCE not in runs:
        raise ValueError(f"{variant.pools}: no {PLAIN_REFERENCE!r} scores; rerun simple_image_generators")
    out = {
        "variant": variant.label,
        "runs": len(runs),
        "alone": f"{alone['gain_points']:+.2f}",
        "nearer_train": worst_in_brackets(audit, "share_closer_to_train", 3),
        "attack": worst_in_brackets(audit, "membership_auc_either_way", 2),
    }
    for share in SHARES:
        added = f"{GENERATOR}: share {share} at {pools['amount']:g}x"
        out[f"on top, share {share}"] = interval(runs[added] - runs[REFERENCE])
        out[f"without, share {share}"] = interval(runs[added + PLAIN] - runs[PLAIN_REFERENCE])
    return out


def table(variants: tuple[Variant, ...] = VARIANTS) -> pd.DataFrame:
    return pd.DataFrame([row(v, read_result(v.verification), read_result(v.pools)) for v in variants])


def write_markdown(frame: pd.DataFrame, variants: tuple[Variant, ...] = VARIANTS) -> None:
    sources = [f"- {v.label}: `{v.verification}`, `{v.pools}`" for v in variants]
    text = "\n\n".join(
        [
            "# Digits generator variants in one table (15 real per class)",
            "Means over runs (the audit's worst run in brackets); differences in balanced-accuracy "
            "points with a 95% t-interval across runs. `benchmarks/image_variants.py` explains the "
            "columns; each row comes from two stored results on the same kept runs:",
            "\n".join(sources),
            markdown_table(frame),
        ]
    )
    (RESULTS / f"{RESULT}.md").write_text(text + "\n", encoding="utf-8")


def main() -> None:
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args()
    frame = table()
    write_result(RESULT, {"rows": frame.to_dict(orient="records")})
    write_markdown(frame)


if __name__ == "__main__":
    main()
