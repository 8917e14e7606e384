"""``synthaug human-eval``: a run's "real or synthetic?" page, and the scores of the answers.

``write_page`` picks the items (evaluation/human_eval.py), renders the page
(reports/human_eval_page.py) into ``human-eval/page.html`` and keeps the truth in
``human-eval/key.json``. ``score_answers`` checks each saved answers file against that key,
writes ``human-eval/scores.json`` and rebuilds the report, which shows the scores (the dataset
card of a later export shows them too).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthaug.evaluation.human_eval import (
    DEFAULT_ITEMS,
    SYNTHETIC,
    choose_items,
    current_scores,
    read_answers,
    read_key,
    score,
)
from synthaug.pipeline.atomic import atomic_directory, write_json
from synthaug.pipeline.dataset_io import read_dataset
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.layout import HUMAN_EVAL_PAGE_FILE, MANIFEST_FILE, HumanEvalLayout, RunLayout
from synthaug.pipeline.manifest import read_manifest
from synthaug.pipeline.rundir import split_file
from synthaug.pipeline.synthetic_set import png_bytes, read_synthetic_set
from synthaug.reports.document import Paragraph, Section, Table
from synthaug.reports.human_eval_page import page_html
from synthaug.reports.table_values import value_formats

log = logging.getLogger(__name__)


PRIVATE = (
    "the run is differentially private, and half the page would be its real training records, "
    "shown to the raters outside the privacy budget"
)


def write_page(
    run_dir: Path,
    *,
    n: int = DEFAULT_ITEMS,
    seed: int | None = None,
    overwrite: bool = False,
    include_private_records: bool = False,
) -> Path:
    """Write the page and its key into the run (the folder swapped in whole, so an earlier page's
    scores go with it); returns the page's path. The same run, ``n`` and ``seed`` give the same
    page: asking again keeps it, and its scores."""
    layout = _completed_run(run_dir)
    manifest = read_manifest(layout.manifest)
    if (manifest.training or {}).get("privacy") and not include_private_records:
        raise UserInputError(
            PRIVATE,
            where=run_dir,
            hint="Show it only to people allowed to see the real data, with --include-private-records.",
        )
    seed = manifest.seed if seed is None else seed
    page_id = hashlib.sha256(f"{manifest.run_id}:{seed}:{n}".encode()).hexdigest()[:12]
    folder = layout.human_eval
    existing = read_key(folder.key).get("page") if folder.key.is_file() else None
    if existing == page_id and folder.page.is_file():
        log.info("human-evaluation page %s is already there; kept with its scores", page_id)
        return folder.page
    if existing is not None and not overwrite:
        raise UserInputError(
            f"the run already has a human-evaluation page ({existing}); answers saved from it would "
            "no longer score against a new one",
            where=folder.root,
            hint="Score those answers first, or pass --overwrite to replace the page (and its scores).",
        )
    train = read_dataset(split_file(layout.root, "train"))
    target = train.schema.target if train.kind == "tabular" else None
    synthetic = read_synthetic_set(
        layout.synthetic.root, kind=train.kind, classes=tuple(train.classes), target=target
    )
    items = choose_items(np.asarray(train.labels), synthetic.labels, n, seed=seed)
    if train.kind == "image":
        shown = [_image_item(item, train.features, synthetic.images) for item in items]
    else:
        formats = value_formats(train.features)
        rows = synthetic.rows[list(train.features.columns)]
        shown = [_table_item(item, train.features, rows, formats) for item in items]
    for item, entry in zip(items, shown, strict=True):
        entry["class"] = train.classes[item.label]
    html = page_html(
        page=page_id, run=manifest.run_id, kind=train.kind, class_label=target or "class", items=shown
    )
    key = {
        "page": page_id,
        "run": manifest.run_id,
        "seed": seed,
        "n": n,
        "kind": train.kind,
        "items": [
            {"id": i.id, "truth": i.truth, "class": train.classes[i.label], "index": i.index} for i in items
        ],
    }
    with atomic_directory(folder.root, overwrite=True, what="human-evaluation folder") as staging:
        HumanEvalLayout(staging).key.write_text(json.dumps(key, indent=2) + "\n", encoding="utf-8")
        HumanEvalLayout(staging).page.write_text(html, encoding="utf-8")
    log.info("human-evaluation page %s with %d items written to %s", page_id, n, folder.page)
    return folder.page


def score_answers(run_dir: Path, files: list[Path]) -> dict[str, Any]:
    """Score every answers file against the run's key, write ``scores.json``, rebuild the report."""
    from synthaug.reports.run_report import write_report

    layout = _completed_run(run_dir)
    if not layout.human_eval.key.is_file():
        raise UserInputError(
            "the run has no human-evaluation page to score against",
            where=run_dir,
            hint=f"Create one with `synthaug human-eval {run_dir}`, have people answer it, then score.",
        )
    if not files:
        raise UserInputError("no answers files given", hint="Give the JSON files the page saved.")
    key = read_key(layout.human_eval.key)
    raters, names = [], set()
    for path in files:
        data = read_answers(path, key)
        name = str(data.get("rater") or "").strip() or Path(path).stem
        while name in names:
            name += "+"
        names.add(name)
        raters.append((name, data))
    result = {**score(key, raters), "files": [Path(f).name for f in files]}
    write_json(layout.human_eval.scores, result)
    write_report(layout.root)
    return result


def _completed_run(run_dir: Path) -> RunLayout:
    layout = RunLayout(Path(run_dir))
    if not layout.manifest.is_file():
        raise UserInputError(
            f"not a run directory (it has no {MANIFEST_FILE})",
            where=run_dir,
            hint="Give a directory that `synthaug run` created.",
        )
    if not layout.synthetic.root.is_dir():
        raise UserInputError(
            "the run has no synthetic samples yet",
            where=run_dir,
            hint="Finish the run first (`synthaug run --resume RUN_DIR`).",
        )
    return layout


def _image_item(item, real: np.ndarray, synthetic: np.ndarray) -> dict[str, Any]:
    pixels = synthetic[item.index] if item.truth == SYNTHETIC else real[item.index]
    data = base64.b64encode(png_bytes(pixels)).decode("ascii")
    return {"id": item.id, "image": f"data:image/png;base64,{data}"}


def _table_item(item, real: pd.DataFrame, synthetic: pd.DataFrame, formats: dict[str, Any]) -> dict[str, Any]:
    row = (synthetic if item.truth == SYNTHETIC else real).iloc[item.index]
    return {"id": item.id, "fields": [[column, formats[column](row[column])] for column in real.columns]}


def report_section(run_path: Path) -> Section:
    """The report's "Human evaluation" section: the scores when there are any, else how to get them."""
    layout = RunLayout(run_path)
    section = Section("Human evaluation")
    key = read_key(layout.human_eval.key) if layout.human_eval.key.is_file() else None
    scores = current_scores(layout.human_eval)
    if key is None:
        return section.add(
            Paragraph(
                "Nobody has looked yet. `synthaug human-eval RUN` writes a self-contained page that shows "
                "people real and synthetic samples one at a time and asks which is which; "
                "`synthaug human-eval score RUN answers.json` scores what they saved."
            )
        )
    about = (
        f"The page `{HUMAN_EVAL_PAGE_FILE}` shows {key['n']} items, half real training samples and half "
        "synthetic, in a shuffled order; 50% correct means people cannot tell them apart."
    )
    if scores is None:
        return section.add(
            Paragraph(f"{about} No answers scored yet: `synthaug human-eval score RUN answers.json [...]`.")
        )
    section.add(
        Paragraph(f"**{scores['summary']}**"),
        Paragraph(f"{about} Pooled interval: {scores['pooled']['interval']}."),
    )
    section.add(
        Table(
            ("rater", "answered", "correct", "95% interval", "synthetic taken for real", "median s per item"),
            tuple(
                (
                    r["rater"],
                    str(r["answered"]),
                    _percent(r["accuracy"]),
                    _span(r["ci95"]),
                    _percent(r["synthetic_taken_for_real"]),
                    "" if r["median_seconds_per_item"] is None else f"{r['median_seconds_per_item']:.1f}",
                )
                for r in scores["raters"]
            ),
            numeric=(1, 2, 4, 5),
        ),
        Table(
            ("class", "answers", "correct", "95% interval"),
            tuple(
                (name, str(c["answered"]), _percent(c["accuracy"]), _span(c["ci95"]))
                for name, c in scores["per_class"].items()
            ),
            numeric=(1, 2),
        ),
    )
    return section


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def _span(interval: list[float] | None) -> str:
    return "" if interval is None else f"{interval[0]:.0%}-{interval[1]:.0%}"
