"""How the inner CV's per-fold scores choose between candidates (selection.py): the candidates
(an amount of added samples at a loss weight, ordered by simplicity), the rules (SELECTION_RULES:
the plain best mean, or the one-SE rule that keeps the simpler candidate unless a richer one beats
it by more than one standard error of their paired per-fold difference), and a preferred candidate
that the one-SE rule treats as the simplest (evaluation.preferred_amount)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Candidate:
    """One way of adding samples that the inner CV scores: ``amount`` x the real count (samples.py),
    each of loss weight ``weight`` relative to a real sample. A weight below 1 lets many added
    samples shape the classifier while their noise weighs less; above 1 they outweigh the real
    rows (samples that train a classifier better than the rows they were fitted on).
    ``filtered``: drawn from the samples the filter keeps (filtering EACH). Simpler means less
    added weight (``mass``), then fewer samples, then unfiltered."""

    amount: float
    weight: float = 1.0
    filtered: bool = False

    @property
    def mass(self) -> float:
        return self.amount * self.weight

    @property
    def key(self) -> str:
        """The candidate's name in results: ``x2`` (weight 1), ``x8@w0.25``, ``x2+filter``."""
        weight = "" if self.weight == 1 else f"@w{self.weight:g}"
        return f"x{self.amount:g}{weight}" + ("+filter" if self.filtered else "")

    def simplicity(self) -> tuple[float, float, bool]:
        # at equal mass fewer samples are simpler: x0.5@w4 before x2, x1 before x4@w0.25
        return (round(self.mass, 10), self.amount, self.filtered)


def candidates(
    amounts: list[float], weights: tuple[float, ...], *, filtered: bool = False
) -> list[Candidate]:
    """Every amount at every weight (``filtered``: also from the filtered samples), in order of
    simplicity; amount 0 once (its weight and filter are moot)."""
    grid = {Candidate(a, 1.0 if a == 0 else w) for a in amounts for w in weights}
    grid |= {Candidate(c.amount, c.weight, True) for c in grid if filtered and c.amount > 0}
    return sorted(grid, key=Candidate.simplicity)


# How the inner CV's per-fold scores choose between a simpler and a richer candidate.
SELECTION_RULES = {
    "one-se": "one-SE rule: the simplest candidate (the least total added weight, amount x weight, "
    "then the smallest amount), unfiltered where possible, whose mean paired "
    "per-fold difference from the best candidate is within one standard error of that difference "
    "(the standard error of one K-fold pass, however many repeats are averaged)",
    "best": "best rule: the highest mean CV score, the simpler candidate winning ties",
}


def preferred_key(preferred: tuple[float, float] | None) -> str | None:
    """The preferred candidate's name in results (``x4@w0.1``), or None."""
    return None if preferred is None else Candidate(*preferred).key


def rule_text(rule: str, preferred: tuple[float, float] | None = None, *, classic: bool = True) -> str:
    """The selection rule in words, with the preferred candidate when there is one; ``classic``:
    whether an amount on top of the classic baseline was chosen too."""
    text = SELECTION_RULES[rule]
    if preferred is None:
        return text
    on_top = (
        "; the amount on top of the classic baseline by the rule alone, except on tables where no SMOTE "
        "rows were chosen: there it is real+synthetic's"
        if classic
        else ""
    )
    return (
        f"{text}; the preferred candidate {preferred_key(preferred)} counts as the simplest, so it is "
        "added unless another candidate beats it by more than one standard error, and then the rule "
        f"chooses as usual, which can be adding nothing (for real+synthetic's amount{on_top})"
    )


def choose(
    fold_scores: dict[Candidate, np.ndarray], rule: str, *, preferred: Candidate | None = None
) -> Candidate:
    """The candidate ``rule`` (SELECTION_RULES) picks from each candidate's per-fold CV scores,
    (folds,) or (repeats, folds). ``preferred``, when scored, counts as the simplest: under the
    one-SE rule it is kept unless the best beats it by more than one standard error."""
    ordered = sorted(fold_scores, key=lambda c: (c != preferred, c.simplicity()))
    simpler_first = {c: i for i, c in enumerate(ordered)}
    best = max(ordered, key=lambda c: (round(float(np.mean(fold_scores[c])), 10), -simpler_first[c]))
    if rule == "best":
        return best
    # one-se: the simplest candidate that the best does not beat by more than one standard error
    return next(c for c in ordered if c == best or not beats(fold_scores[best], fold_scores[c], rule))


def beats(richer: np.ndarray, simpler: np.ndarray, rule: str) -> bool:
    """Whether the richer candidate's per-fold scores, (folds,) or (repeats, folds), beat the
    simpler one's under ``rule``: a higher mean over every fold (``best``), or a mean paired
    difference above one standard error of one K-fold pass: the spread of all the folds'
    differences over the square root of K (repeated passes reuse the same rows, so they do not
    count as independent evidence)."""
    difference = np.asarray(richer) - np.asarray(simpler)
    error = 0.0
    if rule == "one-se" and difference.size > 1:
        error = float(np.std(difference, ddof=1) / np.sqrt(difference.shape[-1]))
    return round(float(np.mean(difference)) - error, 10) > 0
