"""The one-table summary of digits generator variants, from hand-made stored results."""

import json

import pytest

from benchmarks import common, image_variants
from benchmarks.image_variants import Variant, row, table

VARIANT = Variant("test variant", "vg_test", "pools_test")


def verification(alone: float = -2.5) -> dict:
    audit = {
        "share_closer_to_train": 0.61234,
        "worst_share_closer_to_train": 0.66,
        "membership_auc_either_way": 0.5312,
        "worst_membership_auc_either_way": 0.58,
    }
    table = [{"method": "synthaug", "gain_points": 0.0}, {"method": "synthaug-only", "gain_points": alone}]
    return {"table": table, "memorisation": [audit]}


def pools(on_top: list[float], without: list[float]) -> dict:
    """Three runs whose share-0.3 pool scores ``on_top`` / ``without`` points over the references."""
    runs = []
    for i, (a, b) in enumerate(zip(on_top, without, strict=True)):
        runs.append(
            {
                "run": f"seed {i}",
                "real+classic": 95.0,
                "real only": 92.0,
                "gan: share 0.3 at 4x": 95.0 + a,
                "gan: share 0.3 at 4x, no augmentation": 92.0 + b,
                "gan: share 0.5 at 4x": 94.0,
                "gan: share 0.5 at 4x, no augmentation": 92.0,
            }
        )
    return {"amount": 4.0, "per_run": runs}


def test_a_row_holds_the_verification_the_audit_and_both_pool_differences_with_intervals():
    out = row(VARIANT, verification(), pools([1.0, 2.0, 3.0], [0.0, 0.0, 0.0]))
    assert out["variant"] == "test variant" and out["runs"] == 3
    assert out["alone"] == "-2.50"
    assert out["nearer_train"] == "0.612 (0.660)"
    assert out["attack"] == "0.53 (0.58)"
    # mean 2, sd 1, t(0.975, 2) = 4.303, half width 4.303 / sqrt(3) = 2.484
    assert out["on top, share 0.3"] == "+2.00 [-0.48, +4.48]"
    assert out["without, share 0.3"] == "+0.00 [+0.00, +0.00]"
    assert out["on top, share 0.5"] == "-1.00 [-1.00, -1.00]"


def test_pools_measured_before_the_cnn_without_augmentation_are_refused_by_name():
    old = pools([0.0, 0.0, 0.0], [0.0, 0.0, 0.0])
    for run in old["per_run"]:
        del run["real only"]
    with pytest.raises(ValueError, match="pools_test.*real only"):
        row(VARIANT, verification(), old)


def test_the_table_reads_each_variant_from_the_stored_results(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    (tmp_path / "vg_test.json").write_text(json.dumps(verification(alone=-1.0)))
    (tmp_path / "pools_test.json").write_text(json.dumps(pools([0.5, 0.5, 0.5], [1.0, 1.0, 1.0])))
    frame = table((VARIANT,))
    assert frame["alone"].tolist() == ["-1.00"]
    assert frame["without, share 0.3"].tolist() == ["+1.00 [+1.00, +1.00]"]


def test_every_listed_variant_names_two_results_that_are_stored():
    for variant in image_variants.VARIANTS:
        for name in (variant.verification, variant.pools):
            assert (common.RESULTS / f"{name}.json").is_file(), name
