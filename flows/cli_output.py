"""What the ``synthaug`` command line prints: its two consoles, a finished run's outcome (where it
is, the verdict line, the report) and a dataset's description for ``synthaug inspect``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from synthaug.evaluation.conditions import LEFT_OUT
from synthaug.evaluation.statistics import NOT_VERIFIED
from synthaug.pipeline.layout import RunLayout
from synthaug.pipeline.manifest import read_manifest

out = Console(soft_wrap=True)  # never break paths or messages mid-word
err = Console(stderr=True, soft_wrap=True)


def print_outcome(run_dir: Path) -> bool:
    """Where the run is, one line for the verdict (gain and interval per classifier) and the
    report as a file:// URI a terminal can open; returns whether the export was refused."""
    out.print(f"[green]run complete[/green]: {run_dir}", highlight=False)
    manifest = read_manifest(RunLayout(run_dir).manifest)
    out.print(verdict_line(manifest.verification or {}), highlight=False)
    report = (manifest.report or {}).get("html")
    if report:
        out.print(f"report: {(run_dir / report).absolute().as_uri()}", highlight=False)
    exported = manifest.export or {}
    if exported.get("refused"):
        err.print(
            f"[red]{exported['refused']}[/red]. The run directory keeps the model, the synthetic data and "
            f"the scores; {exported['hint']}"
        )
    return bool(exported.get("refused"))


def verdict_line(verification: dict[str, Any]) -> str:
    """``recommendation: synthetic; verdict: gain (cnn +1.20 [+0.40, +2.00] vs real only, +0.50
    [+0.10, +0.90] vs classic; points of balanced accuracy, 95% intervals over the test rows and
    5 seeds; evaluation/gain.json)``."""
    verdict = verification.get("verdict", NOT_VERIFIED)
    classifiers = verification.get("classifiers") or {}
    if not classifiers:
        return f"verdict: {verdict}" + (f" ({verification['reason']})" if verification.get("reason") else "")
    gains = "; ".join(
        f"{name} {_interval(c, 'gain')} vs real only"
        + (f", {_interval(c, 'vs_classic')} vs classic" if "vs_classic_points" in c else "")
        for name, c in classifiers.items()
    )
    if verification.get("classic_baseline") is False:
        gains += f"; {LEFT_OUT}"
    metric = str(verification.get("metric", "balanced_accuracy")).replace("_", " ")
    lead = f"recommendation: {verification['recommendation']}; " if verification.get("recommendation") else ""
    untested = ", ".join(f"{a:g}x" for a in verification.get("untested_amounts") or [])
    note = f"; too few synthetic samples to try {untested}: raise generation.per_class" if untested else ""
    return (
        f"{lead}verdict: {verdict} ({gains}; points of {metric}, 95% intervals over the test rows and "
        f"{verification.get('seeds', '?')} seeds; {verification.get('details', '')}){note}"
    )


def _interval(c: dict[str, Any], key: str) -> str:
    low, high = c[f"{key}_ci95_points"]
    return f"{c[f'{key}_points']:+.2f} [{low:+.2f}, {high:+.2f}]"


def print_description(info: dict[str, Any]) -> None:
    if "manifest" in info or "export" in info:
        out.print_json(json.dumps({k: v for k, v in info.items() if k != "run_directory"}, default=str))
        return
    source = info["source"]
    out.print(
        f"[bold]{source['uri']}[/bold]  {info['kind']}, {info['rows']} rows, format {source['format']}, "
        f"sha256 {source['sha256'][:16]}…"
    )
    schema = info["schema"]
    if schema["kind"] == "tabular":
        table = Table("column", "kind", "integer", "missing", "range / categories")
        for col in schema["columns"]:
            detail = (
                f"{col['minimum']:g} … {col['maximum']:g}"
                if col["kind"] == "numeric" and col["minimum"] is not None
                else ", ".join(map(str, col["categories"][:6])) + (" …" if len(col["categories"]) > 6 else "")
            )
            table.add_row(
                col["name"], col["kind"], "yes" if col["integer"] else "", str(col["n_missing"]), detail
            )
        out.print(table)
        out.print(f"target: {info.get('target') or '(none found; pass --target)'}")
    else:
        out.print(f"images: {schema['height']}x{schema['width']}, {schema['channels']} channel(s)")
    if info["class_counts"]:
        counts = Table("class", "count")
        for name, count in info["class_counts"].items():
            counts.add_row(str(name), str(count))
        out.print(counts)
    provenance = {k: v for k, v in source.items() if k not in ("uri", "format", "sha256")}
    provenance.update(info.get("provenance", {}))
    if provenance:
        out.print("provenance:")
        out.print_json(json.dumps(provenance, default=str))
