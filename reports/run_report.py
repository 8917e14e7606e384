"""A run's report: what was trained, what came out, whether it helps, and what it costs in privacy.

``build_report(run_path, exported)`` reads only the run directory (manifest, training metrics and
grids, evaluation results, synthetic data, the export's dataset card) and returns a
``Report``; ``write_report`` renders it to ``report/report.html`` (self-contained) and
``report/report.md`` with ``report/figures/*.png``, replacing any earlier report atomically.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from synthaug.evaluation.conditions import ADVICE, REAL_CLASSIC, WITH_SYNTHETIC, selected
from synthaug.evaluation.run_verification import cross_validation_words, weight_words
from synthaug.evaluation.statistics import NOT_VERIFIED
from synthaug.evaluation.verdict import detectable_sentence, verdict_meaning
from synthaug.pipeline.atomic import atomic_directory
from synthaug.pipeline.layout import (
    CARD_FILE,
    CONFIG_FILE,
    FIGURE_DIR,
    HTML_FILE,
    MARKDOWN_FILE,
    REPORT_DIR,
    RunLayout,
)
from synthaug.pipeline.manifest import read_manifest
from synthaug.reports import figures, human_eval
from synthaug.reports.document import Figure, Markdown, Paragraph, Report, Section, Table
from synthaug.reports.html import to_html
from synthaug.reports.markdown import to_markdown
from synthaug.reports.privacy_section import privacy_section
from synthaug.reports.samples_section import samples_section
from synthaug.stages.dataset_card import model_words, training_words

log = logging.getLogger(__name__)


def _read_json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _sentence(text: str) -> str:
    """``text`` with its first letter upper-cased and the rest kept (``str.capitalize`` would
    lower-case acronyms such as GAN)."""
    return text[:1].upper() + text[1:]


def _points(x: float) -> str:
    return f"{100 * x:+.2f}"


def build_report(
    run_path: Path, exported: dict[str, Any] | None = None, stage_seconds: dict[str, float] | None = None
) -> Report:
    """``exported`` and ``stage_seconds`` default to what the manifest records (a run builds its
    report before the manifest is final, so it passes them)."""
    layout = RunLayout(run_path)
    # validated on reading (fixed field types), then rendered from its JSON form, parts may be missing
    manifest = read_manifest(layout.manifest).to_json() if layout.manifest.is_file() else {}
    exported = exported if exported is not None else manifest.get("export") or {}
    stage_seconds = stage_seconds if stage_seconds is not None else manifest.get("stage_seconds") or {}
    verification = manifest.get("verification") or {}
    verdict = verification.get("verdict", NOT_VERIFIED)
    data = manifest.get("data", {})
    records = _metrics(run_path)  # training metrics: the curves and, under DP, epsilon over steps
    gain = _read_json(layout.gain)  # verification and the privacy audit
    report = Report(
        title=f"synthaug run {manifest.get('run_id', run_path.name)}",
        subtitle=f"{data.get('uri', '?')} ({data.get('kind', '?')}), seed {manifest.get('seed', '?')}, "
        f"started {manifest.get('started_at', '?')}",
    )
    report.sections = [
        _summary(manifest, verdict, exported),
        _training(records, manifest),
        samples_section(
            run_path, data.get("kind"), private=bool((manifest.get("training") or {}).get("privacy"))
        ),
        _class_counts(manifest),
        _verification(gain, verdict),
        _fidelity(run_path),
        human_eval.report_section(run_path),
        privacy_section(records, gain, manifest),
        _watermark(manifest),
        _dataset_card(run_path, exported),
        _timing(stage_seconds, manifest),
        _reproducibility(manifest),
    ]
    return report


def _summary(manifest: dict, verdict: str, exported: dict) -> Section:
    split, training, data = (
        manifest.get("split", {}),
        manifest.get("training") or {},
        manifest.get("data", {}),
    )
    export_text = (
        f"not exported: {exported['refused']}"
        if "refused" in exported
        else f"exported to `{exported.get('directory', '?')}`"
        if exported
        else "not exported yet"
    )
    css = "verdict " + verdict.replace(" ", "-")
    recommendation = (manifest.get("verification") or {}).get("recommendation")
    classic = (manifest.get("verification") or {}).get("classic_baseline", True)
    lead = (
        [Paragraph(f"**Recommendation: {recommendation}.** {ADVICE[recommendation]}.", css_class=css)]
        if recommendation in ADVICE
        else []
    )
    return Section("Summary").add(
        *lead,
        Paragraph(f"**Verdict: {verdict}**: {verdict_meaning(verdict, classic=classic)}.", css_class=css),
        Table(
            ("", ""),
            (
                (
                    "data",
                    f"{data.get('uri', '?')} ({data.get('rows', '?')} rows)",
                ),
                (
                    "real training / held-out test",
                    f"{split.get('train_rows', '?')} / {split.get('test_rows', '?')}",
                ),
                ("training", f"{model_words(training)}: {training_words(training)}"),
                ("synthetic samples", str((manifest.get("generation") or {}).get("total", "?"))),
                ("export", export_text),
            ),
        ),
    )


def _warning_steps(warnings: list[str]) -> list[int]:
    return [int(m.group(1)) for w in warnings if (m := re.match(r"step (\d+):", w))]


def _training(records: list[dict[str, Any]], manifest: dict) -> Section:
    section = Section("Training")
    training = manifest.get("training") or {}
    warnings = list(training.get("warnings", []))
    if training.get("synthesizer", "gan") != "gan":
        return section.add(
            Paragraph(f"A {model_words(training)} was {training_words(training)}, so there are no curves.")
        )
    if not records:
        return section.add(Paragraph("No training metrics were recorded."))
    section.add(
        Figure(
            "training_curves",
            figures.training_curves(records, _warning_steps(warnings)),
            "Generator and discriminator over training (smoothed): losses, D accuracy and r_t, "
            "gradient norms, augmentation probability.",
        ),
    )
    section.add(
        Paragraph(
            f"{training.get('samples_per_second', '?')} samples/s. "
            + (f"**{len(warnings)} warning(s):**" if warnings else "No training warnings.")
        )
    )
    if warnings:
        section.add(Table(("warning",), tuple((w,) for w in warnings)))
    return section


def _metrics(run_path: Path) -> list[dict[str, Any]]:
    path = RunLayout(run_path).training.metrics
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _class_counts(manifest: dict) -> Section:
    real = manifest.get("split", {}).get("train_class_counts", {})
    synthetic = (manifest.get("generation") or {}).get("counts", {})
    classes = list(real)
    section = Section("Class counts")
    if not classes:
        return section.add(Paragraph("No class counts recorded."))
    real_n, synthetic_n = [int(real[c]) for c in classes], [int(synthetic.get(c, 0)) for c in classes]
    return section.add(
        Figure(
            "class_counts",
            figures.class_counts(classes, real_n, synthetic_n),
            "Samples per class: the real training split and the synthetic samples generated.",
        ),
        Table(
            ("class", "real", "synthetic", "real + synthetic"),
            tuple(
                (c, str(r), str(s), str(r + s)) for c, r, s in zip(classes, real_n, synthetic_n, strict=True)
            ),
            numeric=(1, 2, 3),
        ),
    )


def _rule(result: dict[str, Any]) -> str:
    """How the CV chose, in words, when the result names its rule (results before it did not)."""
    return str(result["settings"].get("selection_rule_text", ""))


def _allocation(result: dict[str, Any]) -> str:
    """What an amount means, when the result says (results before the setting did not)."""
    text = result["settings"].get("allocation_text")
    return f" {text[0].upper()}{text[1:]} ({result['settings']['allocation']})." if text else ""


def _weights(result: dict[str, Any]) -> str:
    """The candidate loss weights of added samples, when the CV chose between several."""
    weights = result["settings"].get("weights", [1.0])
    if len(weights) < 2:
        return ""
    listed = ", ".join(f"{w:g}" for w in weights)
    return f" Each amount was also tried with the added samples weighted {listed} relative to a real sample."


def _filter(result: dict[str, Any]) -> str:
    """How the filter the CV could keep chooses its samples (results from before the rule had one)."""
    words = result["settings"].get("filter_rule_text")
    if not result["settings"].get("filtering_evaluated") or not words:
        return ""
    if result["settings"]["filtering_evaluated"] == "each":
        return f" Every candidate amount was also tried with a filter that {words}."
    if result["settings"]["filtering_evaluated"] == "always":
        return (
            f" Every candidate drew from filtered synthetic samples: the filter {words} (in each fold, "
            "judged by that fold's training rows)."
        )
    return f" The CV also tried a filter that {words}, kept only if it scored higher."


def _verification(result: dict[str, Any] | None, verdict: str) -> Section:
    section = Section("Does it help?")
    if result is None:
        return section.add(Paragraph(f"**{verdict}**: {verdict_meaning(verdict)}."))
    metric = result["primary_metric"]
    recommendation = result.get("recommendation", {})
    classic = result["settings"].get("classic_baseline", True)
    chosen_by = cross_validation_words(
        result["settings"].get("repeats", 1), result["settings"].get("cv_seeds", 1)
    )
    section.add(
        Paragraph(
            f"**Recommendation: {recommendation.get('option', '?')}**"
            + ("" if recommendation.get("agreed", True) else " (the simplest of the classifiers' choices)")
            + f". **Verdict: {verdict}**: {verdict_meaning(verdict, classic=classic)}. "
            + _classic_left_out(classic)
            + "Each condition was trained with "
            f"{result['settings']['seeds']} seeds and scored on {result['sizes']['test']} real held-out "
            f"samples; differences are paired, in points of {metric.replace('_', ' ')}. "
            f"{_sentence(result.get('interval', ''))}. The amount of synthetic data was chosen by "
            f"{chosen_by} inside the real training split"
            + (f" ({_rule(result)})" if _rule(result) else "")
            + (f"; {result['selection_data']}." if result.get("selection_data") else ".")
            + _allocation(result)
            + _weights(result)
            + _filter(result)
            + _detectable(result),
            css_class="verdict " + verdict,
        )
    )
    evidence = tuple(
        (classifier, entry["recommendation"]["option"], e["comparison"], _interval(e), e["verdict"])
        for classifier, entry in result["classifiers"].items()
        if "recommendation" in entry
        for e in entry["recommendation"]["evidence"]
    )
    if evidence:
        section.add(
            Paragraph(
                "How the recommendation was reached: starting from real only, each richer option is "
                "taken only when its interval lies above zero against real only and against the "
                "option already taken."
            ),
            Table(
                ("classifier", "recommends", "comparison", "difference, points [95% CI]", "result"), evidence
            ),
        )
    rows = []
    for classifier, entry in result["classifiers"].items():
        for key, baseline in (
            ("paired_vs_real", "real"),
            ("paired_vs_classic", "real+classic"),
            ("paired_vs_synthetic", "real+synthetic"),
        ):
            for condition, comparisons in entry.get(key, {}).items():
                c = comparisons[metric]
                rows.append(
                    (
                        classifier,
                        f"{condition} vs {baseline}",
                        f"{100 * entry['conditions'][baseline][metric]['mean']:.2f}",
                        f"{100 * entry['conditions'][condition][metric]['mean']:.2f}",
                        _interval(c),
                        f"{c['p_value']:.3g}",
                        c["verdict"],
                        _added(entry["selection"], condition),
                    )
                )
    section.add(
        Table(
            (
                "classifier",
                "comparison",
                "baseline, %",
                "condition, %",
                "difference, points [95% CI]",
                "p",
                "result",
                "amount added",
            ),
            tuple(rows),
            numeric=(2, 3, 5),
        ),
        Figure(
            "gains",
            figures.gains(result, metric),
            "Paired gain versus real only, 95% intervals; green: gain, amber: no gain, red: harm.",
        ),
    )
    if result.get("caveat"):
        section.add(Paragraph(f"Caveat: {result['caveat']}."))
    return section


def _classic_left_out(classic: bool) -> str:
    """The sentence naming the setting that left the classic conditions out ('' when scored)."""
    if classic:
        return ""
    return (
        "Neither real + classic nor real + classic + synthetic was trained (evaluation.classic_baseline: "
        "false). "
    )


def _detectable(result: dict[str, Any]) -> str:
    found = {}
    for name, entry in result["classifiers"].items():
        effect = entry.get("detectable_effect")
        found[name] = None if effect is None else 100 * effect["difference"]
    sentence = detectable_sentence(found, result["sizes"]["test"])
    return f" {sentence}" if sentence else ""


def _added(selection: dict, condition: str) -> str:
    """What a condition adds to the real rows: its synthetic amount, or SMOTE's (tables' real+classic;
    images' augmentation has no amount)."""
    if condition in WITH_SYNTHETIC:
        return _amount(selected(selection, condition))
    smote = selected(selection, REAL_CLASSIC) if condition == REAL_CLASSIC else {}
    return f"SMOTE {_amount(smote)}" if smote else ""


def _amount(selection: dict) -> str:
    weight = weight_words(selection.get("weight", 1.0))
    return f"{selection['amount']:g}x{weight}" + (" filtered" if selection["filtered"] else "")


def _interval(c: dict[str, Any]) -> str:
    difference = c.get("mean_difference", c.get("difference"))
    return f"{_points(difference)} [{_points(c['low'])}, {_points(c['high'])}]"


def _fidelity(run_path: Path) -> Section:
    section = Section("Fidelity")
    report = _read_json(RunLayout(run_path).fidelity)
    if report is None:
        return section.add(Paragraph("Not measured (verification did not run)."))
    from synthaug.evaluation.fidelity.report import headline

    section.add(Paragraph(f"Compared with {report['compared_with']}."))
    if report.get("feature_space"):
        section.add(Paragraph(f"Image feature space: {report['feature_space']}."))
    rows = tuple(
        (name, f"{v['value']:.4g}", "" if v["reference"] is None else f"{v['reference']:.4g}")
        for name, v in headline(report).items()
    )
    section.add(Table(("metric", "synthetic", "real held-out (reference)"), rows, numeric=(1, 2)))
    skipped = [(n, m["reason"]) for n, m in report["metrics"].items() if m.get("computed") is False]
    if skipped:
        section.add(Table(("not computed", "why"), tuple(skipped)))
    return section


def _watermark(manifest: dict) -> Section:
    mark = manifest.get("watermark") or {"applied": False, "reason": "not recorded"}
    if not mark.get("applied"):
        return Section("Watermark").add(Paragraph(str(mark.get("reason"))))
    shown = {k: v for k, v in mark.items() if k != "key_source"}
    return Section("Watermark").add(
        Paragraph(
            "The synthetic data carry a keyed watermark; `synthaug verify-watermark` with the key detects it."
        ),
        Table(("field", "value"), tuple((k, str(v)) for k, v in shown.items())),
    )


def _dataset_card(run_path: Path, exported: dict) -> Section:
    section = Section("Dataset card")
    directory = exported.get("directory")
    if not directory or "refused" in exported:
        return section.add(Paragraph("No export, so no dataset card."))
    card = (run_path / directory if not Path(directory).is_absolute() else Path(directory)) / CARD_FILE
    if not card.is_file():
        return section.add(Paragraph(f"The dataset card is not at {card}."))
    return section.add(Markdown(card.read_text(encoding="utf-8")))


def _timing(stage_seconds: dict[str, float], manifest: dict) -> Section:
    section = Section("Time")
    if not stage_seconds:
        return section.add(Paragraph("No stage times were recorded for this run."))
    total = sum(stage_seconds.values())
    rows = tuple(
        (stage, f"{seconds:.1f}", f"{100 * seconds / total:.0f}%") for stage, seconds in stage_seconds.items()
    )
    training = manifest.get("training") or {}
    estimate = training.get("estimated_seconds")
    said = (
        f" Training was estimated at {estimate:.0f} s on its first steps and took "
        f"{training.get('seconds')} s."
        if estimate is not None
        else ""
    )
    unfinished = "" if "report" in stage_seconds else " (the report's own stage not yet included)"
    return section.add(
        Paragraph(f"Wall time of each stage, {total:.0f} s in all{unfinished}.{said}"),
        Table(("stage", "seconds", "share"), (*rows, ("total", f"{total:.1f}", "100%")), numeric=(1, 2)),
    )


def _reproducibility(manifest: dict) -> Section:
    packages = (manifest.get("environment") or {}).get("packages", {})
    return Section("Reproducibility").add(
        Paragraph(
            f"Config snapshot: `{CONFIG_FILE}`. Seed {manifest.get('seed')}, "
            f"split seed {manifest.get('split_seed')}. "
            f"Data sha256 `{manifest.get('data', {}).get('sha256', '?')}`. "
            f"Command: `{' '.join(manifest.get('command', []))}`."
        ),
        Table(("package", "version"), tuple(sorted((k, str(v)) for k, v in packages.items())), numeric=()),
    )


def write_report(
    run_path: Path, exported: dict[str, Any] | None = None, stage_seconds: dict[str, float] | None = None
) -> dict[str, str]:
    """Render the report into ``run_path/report`` (replaced atomically); relative paths written."""
    report = build_report(run_path, exported, stage_seconds)
    with atomic_directory(run_path / REPORT_DIR, overwrite=True) as staging:
        (staging / HTML_FILE).write_text(to_html(report), encoding="utf-8")
        (staging / MARKDOWN_FILE).write_text(to_markdown(report), encoding="utf-8")
        (staging / FIGURE_DIR).mkdir()
        for figure in report.figures():
            (staging / FIGURE_DIR / f"{figure.name}.png").write_bytes(figure.png)
    log.info("report written to %s", run_path / REPORT_DIR / HTML_FILE)
    return {"html": f"{REPORT_DIR}/{HTML_FILE}", "markdown": f"{REPORT_DIR}/{MARKDOWN_FILE}"}
