"""The gain benchmark's memorisation columns: each run's own audit, per dataset and method, against
the issue's bounds."""

import pytest

from benchmarks import memorisation


def _result(share, copies, auc):
    return {
        "privacy_audit": {
            "share_closer_to_train": share,
            "near_copies": copies,
            "membership_auc": auc,
            "membership_auc_either_way": max(auc, 1 - auc),
        }
    }


def test_audit_rows_take_each_verified_result_of_a_run_that_carries_an_audit():
    rows = memorisation.audit_rows(
        "crabs", 3, {"ours": _result(0.6, 0.0, 0.55), "ctgan": {"classifiers": {}}}
    )
    assert rows == [
        {
            "dataset": "crabs",
            "seed": 3,
            "method": "synthaug",
            "share_closer_to_train": 0.6,
            "near_copies": 0.0,
            "membership_auc": 0.55,
            "membership_auc_either_way": 0.55,
        }
    ]
    both = memorisation.audit_rows("oj", 0, {"ours": _result(0.5, 0.0, 0.5), "ctgan": _result(0.7, 0.1, 0.3)})
    assert [r["method"] for r in both] == ["synthaug", "ctgan"]


def test_the_goals_hold_each_datasets_mean_to_the_bounds_and_read_the_attack_either_way():
    rows = []
    for seed, (share, auc) in enumerate([(0.60, 0.55), (0.66, 0.62)]):  # crabs: means 0.63, 0.585
        crabs = {"ours": _result(share, 0.01, auc), "ctgan": _result(0.9, 0.2, 0.8)}
        rows += memorisation.audit_rows("crabs", seed, crabs)
    for seed, auc in enumerate([0.35, 0.40]):  # oj: AUC 0.375 reads 0.625 the other way round
        rows += memorisation.audit_rows(
            "oj", seed, {"ours": _result(0.5, 0.0, auc), "ctgan": _result(0.9, 0.2, 0.8)}
        )
    table = memorisation.summarise(rows)
    crabs = table[(table["dataset"] == "crabs")].iloc[0]
    assert crabs["seeds"] == 2 and crabs["share_closer_to_train"] == pytest.approx(0.63)
    assert crabs["worst_share_closer_to_train"] == pytest.approx(0.66)
    assert crabs["membership_auc_either_way"] == pytest.approx(0.585)
    met = memorisation.goals(table)
    bounds = "share_closer_to_train <= 0.65, near_copies <= 0.05, membership_auc_either_way <= 0.6"
    # CTGAN's rows are summarised but judge no goal of ours
    assert met == {f"crabs: no memorisation ({bounds})": True, f"oj: no memorisation ({bounds})": False}
    assert set(table["method"]) == {"synthaug", "ctgan"}


def test_runs_without_audits_give_no_table_and_no_goals():
    table = memorisation.summarise([])
    assert table.empty and memorisation.goals(table) == {} and memorisation.section(table) == ""
