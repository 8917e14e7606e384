"""The near-copy calibration benchmark's summaries: the attack read either way run by run, then
averaged; the worst seed and the worst dataset kept."""

from benchmarks import near_copy_calibration as bench


def row(dataset, seed, setting, quantile, share, auc):
    return {
        "dataset": dataset,
        "seed": seed,
        "setting": setting,
        "quantile": quantile,
        "share_closer_to_train": share,
        "membership_auc": auc,
        "membership_auc_either_way": max(auc, 1 - auc),
        "fold_membership_auc": None,
    }


def test_each_runs_attack_is_read_either_way_before_the_mean_and_the_worst_dataset_is_kept():
    rows = [
        row("melanoma", 0, "0.25", 0.25, 0.50, 0.30),  # the hole: 0.7 read the other way
        row("melanoma", 1, "0.25", 0.25, 0.54, 0.60),
        row("melanoma", 0, "calibrated", 0.05, 0.60, 0.52),
        row("melanoma", 1, "calibrated", 0.1, 0.62, 0.46),
        row("crabs", 0, "0.25", 0.25, 0.55, 0.55),
        row("crabs", 0, "calibrated", 0.25, 0.55, 0.55),
        row("crabs", 1, "none", None, 0.7, 0.7),
    ]
    summary = bench.summarise(rows).set_index(["dataset", "setting"])
    assert summary.loc[("melanoma", "0.25"), "membership_auc"] == 0.45
    assert summary.loc[("melanoma", "0.25"), "membership_auc_either_way"] == 0.65  # not max(0.45, 0.55)
    assert summary.loc[("melanoma", "0.25"), "worst_either_way"] == 0.7
    assert summary.loc[("melanoma", "calibrated"), "quantiles"] == "0.05/0.1"
    assert summary.loc[("crabs", "none"), "quantiles"] == "-"
    overall = bench.overall(bench.summarise(rows)).set_index("setting")
    assert overall.loc["0.25", "worst_dataset_either_way"] == 0.65
    assert overall.loc["calibrated", "membership_auc_either_way"] == 0.54  # (0.53 + 0.55) / 2
