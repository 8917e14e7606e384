"""A human "real or synthetic?" test: which samples a page shows, and how people's answers score.

The page (reports/human_eval_page.py) shows a shuffled, class-balanced mix of real training
samples and synthetic samples, half each, under opaque item ids; the truth stays in the run
(``human-eval/key.json``), never in the page. Each rater saves a JSON file of answers.

Every class shows as many real as synthetic items, so the class shown with an item gives nothing
away, and the page has an even number of items, half of each, answered in full.

Scoring: detection accuracy, the share of items a person labelled correctly, where 50% means
people cannot tell real from synthetic. One rater's accuracy gets a Wilson 95% interval. Pooled
over several raters who saw the same items, answers to one item are not independent (an item
that looks fake fools everyone or no one), so the pooled and per-class intervals come from a
bootstrap over items, each resampled item bringing every rater's answer to it; they speak for
these raters, not for people in general.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.layout import HumanEvalLayout

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
    """``n`` (even) items in a shuffled order: for every class as many real as synthetic samples,
    so the class shown with an item says nothing about its truth; the classes share the items as
    evenly as their samples allow (a class missing on either side is left out)."""
    if n < 2 or n % 2:
        raise UserInputError(
            f"--n {n}: the page needs an even number of items, at least 2",
            where="--n",
            hint="Half are real and half synthetic, so 50% correct means guessing; try --n 40.",
        )
    rng = np.random.default_rng(seed)
    real_labels, synthetic_labels = np.asarray(real_labels), np.asarray(synthetic_labels)
    quota = _quota(real_labels, synthetic_labels, n // 2, rng)
    chosen = [
        (truth, label, int(index))
        for label, count in quota.items()
        for truth, labels in ((REAL, real_labels), (SYNTHETIC, synthetic_labels))
        for index in rng.choice(np.flatnonzero(labels == label), size=count, replace=False)
    ]
    order = rng.permutation(len(chosen))
    ids = _ids(len(chosen), rng)
    return [Item(ids[i], *chosen[j]) for i, j in enumerate(order)]


def _quota(real: np.ndarray, synthetic: np.ndarray, pairs: int, rng: np.random.Generator) -> dict[int, int]:
    """Per class, how many (real, synthetic) pairs: one class at a time in a random order, round
    after round, each up to the smaller of its real and synthetic counts."""
    room = {
        int(c): int(min(np.sum(real == c), np.sum(synthetic == c)))
        for c in np.union1d(real, synthetic)
        if np.sum(real == c) and np.sum(synthetic == c)
    }
    if sum(room.values()) < pairs:
        raise UserInputError(
            f"the page needs {pairs} real and {pairs} synthetic samples of the same classes, but the run "
            f"has {sum(room.values())} of each",
            where="--n",
            hint=f"Ask for at most {2 * sum(room.values())} items.",
        )
    quota = dict.fromkeys(room, 0)
    while sum(quota.values()) < pairs:
        for label in rng.permutation(sorted(room)):
            if quota[int(label)] < room[int(label)] and sum(quota.values()) < pairs:
                quota[int(label)] += 1
    return {label: count for label, count in quota.items() if count}


def _ids(n: int, rng: np.random.Generator) -> list[str]:
    ids: list[str] = []
    while len(ids) < n:
        candidate = f"{int(rng.integers(16**8)):08x}"
        if candidate not in ids:
            ids.append(candidate)
    return ids


def read_answers(path: Path, key: dict[str, Any]) -> dict[str, Any]:
    """One rater's saved answers, checked against the page's key: the same page, every item
    answered once (the page saves only when all are), each ``real`` or ``synthetic``."""
    saved = "Give the file the page's 'Save answers' wrote."
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise UserInputError("no such file", where=path, hint=saved) from error
    except OSError as error:
        raise UserInputError(f"cannot be read ({error.strerror})", where=path, hint=saved) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UserInputError(f"not a JSON file of answers ({error})", where=path, hint=saved) from error
    if not isinstance(data, dict) or not isinstance(data.get("answers"), list):
        raise UserInputError("has no list of answers", where=path, hint=saved)
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
                f"answer {number} is for an item the page does not have ({item!r})", where=path, hint=saved
            )
        if item in seen:
            raise UserInputError(f"answer {number} repeats item {item}", where=path, hint=saved)
        if answer.get("answer") not in ANSWERS:
            raise UserInputError(
                f"answer {number} is {answer.get('answer')!r}; it must be 'real' or 'synthetic'",
                where=path,
                hint=saved,
            )
        seen.add(item)
    if len(seen) != len(known):
        raise UserInputError(
            f"answers {len(seen)} of the page's {len(known)} items; the page saves only when every item is "
            "answered, so the file was cut short or edited",
            where=path,
            hint=saved,
        )
    return data


REWRITE = (
    "Write the page again with `synthaug human-eval RUN --overwrite` "
    "(answers to the old page will not score)."
)


def read_key(path: Path) -> dict[str, Any]:
    try:
        key = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UserInputError(
            f"the page's key cannot be read ({error})",
            where=path,
            hint=REWRITE,
        ) from error
    if not isinstance(key, dict) or not isinstance(key.get("items"), list) or "page" not in key:
        raise UserInputError(
            "the page's key was edited or damaged",
            where=path,
            hint=REWRITE,
        )
    return key


def current_scores(folder: HumanEvalLayout) -> dict[str, Any] | None:
    """The scores of the run's current page; None when there are none (or they belong to another page)."""
    if not (folder.scores.is_file() and folder.key.is_file()):
        return None
    scores = json.loads(folder.scores.read_text(encoding="utf-8"))
    return scores if scores.get("page") == read_key(folder.key)["page"] else None


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
                **_accuracy(rows[-len(marks) :], several=False, seed=seed),
                "synthetic_taken_for_real": round(1 - float(np.mean(fooled)), 4) if fooled else None,
                "median_seconds_per_item": round(float(np.median(times)), 2) if times else None,
                "of_items": len(truth),
            }
        )
    several = len(raters) > 1
    pooled = {**_accuracy(rows, several=several, seed=seed), "raters": len(raters)}
    pooled["interval"] = (
        "bootstrap over items, for these raters (one item fools everyone or no one)" if several else WILSON
    )
    classes = sorted({c for _, c, _ in rows}, key=str)
    per_class = {c: _accuracy([r for r in rows if r[1] == c], several=several, seed=seed) for c in classes}
    return {
        "page": key["page"],
        "chance": CHANCE,
        "pooled": pooled,
        "raters": per_rater,
        "per_class": per_class,
        "summary": summary_sentence(pooled),
    }


WILSON = "Wilson score interval"


def _accuracy(rows: list[tuple[str, Any, bool]], *, several: bool, seed: int) -> dict[str, Any]:
    """Share correct of ``rows`` (item, class, correct) with its 95% interval: Wilson over the
    answers of one rater; with several raters a bootstrap over items, or, where every item got
    the same share right (the bootstrap has no spread), Wilson over the items."""
    n, k = len(rows), int(sum(correct for _, _, correct in rows))
    if n == 0:
        return {"answered": 0, "correct": 0, "accuracy": None, "ci95": None}
    interval = _item_bootstrap(rows, seed) if several else None
    if interval is None or interval[0] == interval[1]:
        items = len({item for item, _, _ in rows}) if several else n
        interval = _wilson(round(k / n * items), items)
    return {"answered": n, "correct": k, "accuracy": round(k / n, 4), "ci95": interval}


def _wilson(k: int, n: int) -> list[float]:
    low, high = stats.binomtest(k, n).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return [round(low, 4), round(high, 4)]


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
