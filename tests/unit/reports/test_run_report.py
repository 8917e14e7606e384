import json

from synthaug.reports.document import Figure, Paragraph, Table
from synthaug.reports.run_report import build_report, write_report
from tests.manifests import write_run_manifest


def minimal_run(tmp_path, **manifest):
    (tmp_path / "training").mkdir()
    records = [
        {
            "step": s,
            "loss_g": 1.0 / s,
            "loss_d": 1.0,
            "d_accuracy": 0.6,
            "r_t": 0.1,
            "grad_norm_g": 2.0,
            "grad_norm_d": 3.0,
            "augment_p": 0.0,
            "epsilon": 0.1 * s,
        }
        for s in range(1, 21)
    ]
    (tmp_path / "training" / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    base = {
        "run_id": "t-1",
        "data": {"uri": "bundled:digits", "kind": "image", "rows": 10},
        "split": {"train_rows": 4, "test_rows": 6, "train_class_counts": {"a": 2, "b": 2}},
        "training": {
            "steps": 20,
            "stop_reason": "completed",
            "warnings": ["step 12: mode collapse: class a"],
        },
        "generation": {"counts": {"a": 3, "b": 0}, "total": 3},
        "verification": {"verdict": "not verified", "reason": "evaluation.enabled: false"},
        "privacy": {"epsilon": 2.0, "delta": 1e-5},
        "watermark": {"applied": False, "reason": "not applied: disabled by watermark.enabled: false"},
    }
    write_run_manifest(tmp_path, **{**base, **manifest})
    return tmp_path


def section(report, title):
    return next(s for s in report.sections if s.title == title)


def test_a_run_without_verification_or_export_still_reports_what_it_has(tmp_path):
    report = build_report(minimal_run(tmp_path), {"refused": "require_gain", "verdict": "no-gain"})
    summary = section(report, "Summary")
    assert summary.blocks[0].css_class == "verdict not-verified"
    assert ("export", "not exported: require_gain") in summary.blocks[1].rows
    training = section(report, "Training")
    assert [b.name for b in training.blocks if isinstance(b, Figure)] == ["training_curves"]
    assert ("step 12: mode collapse: class a",) in next(
        b for b in training.blocks if isinstance(b, Table)
    ).rows
    assert any(isinstance(b, Figure) and b.name == "privacy_spent" for b in section(report, "Privacy").blocks)
    counts = next(b for b in section(report, "Class counts").blocks if isinstance(b, Table))
    assert counts.rows == (("a", "2", "3", "5"), ("b", "2", "0", "2"))
    card = section(report, "Dataset card").blocks[0]
    assert isinstance(card, Paragraph) and card.text == "No export, so no dataset card."


def test_write_report_replaces_an_earlier_report(tmp_path):
    run = minimal_run(tmp_path)
    (run / "report").mkdir()
    (run / "report" / "stale.txt").write_text("old")
    written = write_report(run)
    assert written == {"html": "report/report.html", "markdown": "report/report.md"}
    assert not (run / "report" / "stale.txt").exists()
    assert sorted(p.name for p in (run / "report" / "figures").iterdir()) == [
        "class_counts.png",
        "privacy_spent.png",
        "privacy_utility.png",  # a private run is placed among the shipped curves
        "training_curves.png",
    ]


def test_the_privacy_section_says_what_near_copy_curation_did(tmp_path):
    record = {
        "applied": True,
        "quantile": 0.05,
        "threshold": 0.8123,
        "drawn": 130,
        "near_copies_found": 31,
        "near_copies_kept": 1,
    }
    run = minimal_run(tmp_path, generation={"counts": {"a": 3, "b": 0}, "total": 3, "near_copies": record})
    texts = [b.text for b in section(build_report(run), "Privacy").blocks if isinstance(b, Paragraph)]
    assert (
        "Near copies of training samples: 30 of 130 drawn samples lay within the 5% quantile of the training "
        "samples' distances to their nearest other training sample (0.8123) and were replaced by other "
        "draws; 1 had to be kept, the generator gave too few others." in texts
    )


def verification_text(**settings) -> str:
    """The report's verification paragraph for a protocol run on two separable classes."""
    import numpy as np
    import pandas as pd

    from synthaug.evaluation.classifiers import TABULAR_CLASSIFIERS
    from synthaug.evaluation.gain import run_protocol
    from synthaug.evaluation.samples import Samples
    from synthaug.evaluation.selection import ProtocolSettings
    from synthaug.reports.run_report import _verification

    rng = np.random.default_rng(0)

    def samples(n):
        y = np.arange(n) % 2
        return Samples(pd.DataFrame({"v": rng.normal(size=n) + 2 * y}), y, 2)

    make = lambda seed, classic: TABULAR_CLASSIFIERS["logistic"](n_classes=2, seed=seed)  # noqa: E731
    result = run_protocol(
        real=samples(24),
        synthetic=samples(100),
        test=samples(40),
        classifiers={"logistic": make},
        kind="tabular",
        settings=ProtocolSettings(**{"seeds": 2, "amounts": (0.0, 1.0), "filtering": False, **settings}),
    )
    return _verification(result, result["verdict"]).blocks[0].text


def test_the_verification_says_how_often_the_cross_validation_was_repeated():
    texts = {repeats: verification_text(repeats=repeats) for repeats in (1, 3)}
    assert "chosen by cross-validation inside the real training split" in texts[1]
    assert "chosen by cross-validation (repeated 3 times on new fold splits) inside" in texts[3]


def test_the_verification_names_the_candidate_weights_and_the_chosen_one():
    from synthaug.reports.run_report import _amount

    text = verification_text(weights=(0.5, 1.0))
    assert "the added samples weighted 0.5, 1 relative to a real sample" in text
    assert _amount({"amount": 4.0, "weight": 0.25, "filtered": True}) == "4x at weight 0.25 filtered"
    assert _amount({"amount": 2.0, "filtered": False}) == "2x"  # results written before weights


def test_the_verification_says_which_filter_the_cross_validation_tried():
    assert "tried a filter" not in verification_text()  # filtering off: no filter to describe
    contradicted = verification_text(filtering=True)
    assert (
        "a filter that drops a sample the real rows' classifier puts on another class with " in contradicted
    )
    assert "probability >= 0.8, kept only if it scored higher" in contradicted
    data_iq = verification_text(filtering=True, filter_rule="data-iq", filter_confidence=0.9)
    assert "a filter that keeps only samples whose label gradient boosting on the real rows learns" in data_iq
    assert "mean probability >= 0.9 over its stages (Data-IQ's easy samples)" in data_iq
    each = verification_text(filtering="each")
    assert "Every candidate amount was also tried with a filter that drops a sample" in each
    curated = verification_text(filtering="always", filter_rule="data-iq")
    assert "Every candidate drew from filtered synthetic samples: the filter keeps only samples" in curated
    assert (
        "(in each fold, judged by that fold's training rows)" in curated and "tried a filter" not in curated
    )


def test_the_amount_column_names_smote_rows_for_the_classic_baseline_of_tables():
    from synthaug.reports.run_report import _added

    selection = {
        "synthetic": {"amount": 1.0, "weight": 0.5, "filtered": False},
        "classic": {"amount": 0.5, "weight": 2.0, "filtered": False},  # tables: SMOTE's own choice
        "classic+synthetic": {"amount": 2.0, "weight": 1.0, "filtered": False},
    }
    assert _added(selection, "real+synthetic") == "1x at weight 0.5"
    assert _added(selection, "real+classic") == "SMOTE 0.5x at weight 2"
    assert _added(selection, "real+classic+synthetic") == "2x"  # the synthetic rows on top of SMOTE's
    images = {k: v for k, v in selection.items() if k != "classic"}  # augmentation has no amount
    assert _added(images, "real+classic") == ""


def test_the_verification_says_when_the_classic_baseline_was_left_out():
    scored = verification_text()
    assert "no classic baseline" not in scored and "Neither real + classic" not in scored
    assert "real only and the classic baseline" in scored  # what the verdict is against
    text = verification_text(classic=False)
    assert "Verdict: " in text and "real only (no classic baseline was scored)" in text
    assert "the classic baseline" not in text.split("Verdict: ")[1].split(".")[0]
    assert (
        "Neither real + classic nor real + classic + synthetic was trained (evaluation.classic_baseline: "
        "false)." in text
    )
