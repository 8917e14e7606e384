"""A human "real or synthetic?" test: which samples a page shows, and how people's answers score.

The page (reports/human_eval_page.py) shows a shuffled, class-balanced mix of real training
samples and synthetic samples, half each, under opaque item ids; the truth stays in the run
(``human-eval/key.json``), never in the page. Each rater saves a JSON file of answers.

Scoring: detection accuracy, the share of items a person labelled correctly, where 50% means
people cannot tell real from synthetic. Per rater and per class it gets a Wilson 95% interval.
Pooled over several raters who saw the same items, answers to one item are not independent
(an item that looks fake fools everyone or no one), so the pooled interval comes from a bootstrap
over items, each resampled item bringing every rater's answer to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from synthaug.pipeline.errors import UserInputError

REAL, SYNTHETIC = "real", "synthetic"
ANSWERS = (REAL, SYNTHETIC)
CHANCE = 0.5
CONFIDENCE = 0.95
REPLICATES = 2000
DEFAULT_ITEMS = 40


@dataclass(frozen=True)
class Item:
    """One sample on the page: ``id`` is opaque, ``truth`` and ``index`` (its position in the
    training split or the synthetic set) stay in the key."""

    id: str
    truth: str
    label: int
    index: int


def choose_items(real_labels: np.ndarray, synthetic_labels: np.ndarray, n: int, *, seed: int) -> list[Item]:
    """``n`` items, half real (``n // 2``) and half synthetic, each half spread over the classes as
    evenly as the samples allow, in a shuffled order."""
    rng = np.random.default_rng(seed)
    chosen = [
        (truth, label, index)
        for truth, labels, count in ((REAL, real_labels, n // 2), (SYNTHETIC, synthetic_labels, n - n // 2))
        for label, index in _balanced(np.asarray(labels), count, rng, truth)
    ]
    order = rng.permutation(len(chosen))
    ids = _ids(len(chosen), rng)
    return [Item(ids[i], *chosen[j]) for i, j in enumerate(order)]


def _balanced(labels: np.ndarray, count: int, rng: np.random.Generator, truth: str) -> list[tuple[int, int]]:
    """``count`` (label, position) pairs taken round-robin over the classes, each class in a
    random order, so every class appears as often as its samples allow."""
    if count > len(labels):
        raise UserInputError(
            f"the page needs {count} {truth} samples but the run has {len(labels)}",
            where="--n",
            hint=f"Ask for at most {2 * len(labels)} items.",
        )
    queues = {label: list(rng.permutation(np.flatnonzero(labels == label))) for label in np.unique(labels)}
    picked: list[tuple[int, int]] = []
    while len(picked) < count:
        for label in rng.permutation(list(queues)):
            if queues[label] and len(picked) < count:
                picked.append((int(label), int(queues[label].pop())))
    return picked


def _ids(n: int, rng: np.random.Generator) -> list[str]:
    ids: list[str] = []
    while len(ids) < n:
        candidate = f"{int(rng.integers(16**8)):08x}"
        if candidate not in ids:
            ids.append(candidate)
    return ids


def read_answers(path: Path, key: dict[str, Any]) -> dict[str, Any]:
    """One rater's saved answers, checked against the page's key: the same page, known items,
    one answer each, ``real`` or ``synthetic``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise UserInputError(
            "no such file", where=path, hint="Give the JSON files the page saved."
        ) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UserInputError(
            f"not a JSON file of answers ({error})",
            where=path,
            hint="Give the file the page's 'Save answers' wrote.",
        ) from error
    if not isinstance(data, dict) or not isinstance(data.get("answers"), list):
        raise UserInputError(
            "has no list of answers", where=path, hint="Give the file the page's 'Save answers' wrote."
        )
    if data.get("page") != key["page"]:
        raise UserInputError(
            f"holds answers to page {data.get('page')!r}, but this run's page is {key['page']!r}",
            where=path,
            hint="Score answers with the run whose human-eval page the rater opened.",
        )
    known = {item["id"] for item in key["items"]}
    seen: set[str] = set()
    for number, answer in enumerate(data["answers"], start=1):
        item = answer.get("item") if isinstance(answer, dict) else None
        if item not in known:
            raise UserInputError(
                f"answer {number} is for an item the page does not have ({item!r})", where=path
            )
        if item in seen:
            raise UserInputError(f"answer {number} repeats item {item}", where=path)
        if answer.get("answer") not in ANSWERS:
            raise UserInputError(
                f"answer {number} is {answer.get('answer')!r}; it must be 'real' or 'synthetic'", where=path
            )
        seen.add(item)
    return data


def score(key: dict[str, Any], raters: list[tuple[str, dict[str, Any]]], *, seed: int = 0) -> dict[str, Any]:
    """Detection accuracy per rater, per class and pooled, with 95% intervals (module docstring);
    ``raters``: (name, answers as read_answers returns them)."""
    truth = {item["id"]: item for item in key["items"]}
    per_rater, rows = [], []  # rows: (item id, class, correct)
    for name, data in raters:
        marks = [(a["item"], a["answer"] == truth[a["item"]]["truth"], a) for a in data["answers"]]
        rows += [(item, truth[item]["class"], correct) for item, correct, _ in marks]
        fooled = [correct for item, correct, _ in marks if truth[item]["truth"] == SYNTHETIC]
        times = [float(a["seconds"]) for _, _, a in marks if isinstance(a.get("seconds"), int | float)]
        per_rater.append(
            {
                "rater": name,
                **_accuracy([c for _, c, _ in marks]),
                "synthetic_taken_for_real": round(1 - float(np.mean(fooled)), 4) if fooled else None,
                "median_seconds_per_item": round(float(np.median(times)), 2) if times else None,
                "of_items": len(truth),
            }
        )
    pooled = {**_accuracy([c for _, _, c in rows]), "raters": len(raters)}
    if len(raters) > 1:
        pooled["ci95"] = _item_bootstrap(rows, seed)
        pooled["interval"] = "bootstrap over items (each brings every rater's answers)"
    else:
        pooled["interval"] = "Wilson score interval"
    classes = sorted({c for _, c, _ in rows}, key=str)
    per_class = {c: _accuracy([correct for _, k, correct in rows if k == c]) for c in classes}
    return {
        "page": key["page"],
        "chance": CHANCE,
        "pooled": pooled,
        "raters": per_rater,
        "per_class": per_class,
        "summary": summary_sentence(pooled),
    }


def _accuracy(correct: list[bool]) -> dict[str, Any]:
    n, k = len(correct), int(np.sum(correct))
    if n == 0:
        return {"answered": 0, "correct": 0, "accuracy": None, "ci95": None}
    low, high = stats.binomtest(k, n).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return {"answered": n, "correct": k, "accuracy": round(k / n, 4), "ci95": [round(low, 4), round(high, 4)]}


def _item_bootstrap(rows: list[tuple[str, Any, bool]], seed: int) -> list[float]:
    items = sorted({item for item, _, _ in rows})
    position = {item: i for i, item in enumerate(items)}
    right, total = np.zeros(len(items)), np.zeros(len(items))
    for item, _, correct in rows:
        right[position[item]] += correct
        total[position[item]] += 1
    draws = np.random.default_rng(seed).integers(len(items), size=(REPLICATES, len(items)))
    accuracies = right[draws].sum(axis=1) / total[draws].sum(axis=1)
    tail = (1 - CONFIDENCE) / 2
    return [
        round(float(np.quantile(accuracies, tail)), 4),
        round(float(np.quantile(accuracies, 1 - tail)), 4),
    ]


def summary_sentence(pooled: dict[str, Any]) -> str:
    """What the pooled accuracy says, in one sentence."""
    if not pooled["answered"]:
        return "No answers yet."
    low, high = pooled["ci95"]
    who = "one person" if pooled["raters"] == 1 else f"{pooled['raters']} people"
    measured = (
        f"{who} labelled {pooled['accuracy']:.0%} of {pooled['answered']} answers correctly "
        f"(95% interval {low:.0%}-{high:.0%}; 50% is guessing)"
    )
    if low > CHANCE:
        return f"People could tell synthetic from real: {measured}."
    if high < CHANCE:
        return (
            f"People took synthetic samples for real and real for synthetic more often than not: {measured}."
        )
    return f"People could not tell synthetic from real: {measured}."
