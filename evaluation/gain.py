"""Does adding the synthetic data help a downstream classifier? The verification protocol.

Inputs are the real training split, the synthetic pool, and, separately, the held-out real
test split. The protocol runs in two phases, and the test split enters only the second:

1. **Selection, inside the real training split.** For each classifier, stratified K-fold cross
   validation on the real training rows picks how much synthetic data to add (a multiple of
   the real count, shared between the classes by ``allocation`` in samples.py; possibly zero),
   with several ``weights`` also each added sample's weight in the loss (Candidate), and
   whether to filter the synthetic samples (drop those a classifier trained on the fold's
   real rows confidently assigns to another class).
   Filtering is kept only if it scores higher. The classic baseline's amount (SMOTE for tables)
   is chosen the same way. For images the amount added on top of the classic augmentation
   (real+classic+synthetic) is chosen apart, by the same CV with the augmentation on: synthetic
   samples that help a CNN trained without augmentation can hurt one trained with it (that
   choice draws from the unfiltered pool). Under the default ``one-se`` rule the simpler choice
   (a smaller amount, no filtering) wins unless the better one beats it by more than one
   standard error of their paired per-fold difference: with a few dozen training rows the
   folds' scores are noisy, and the plain best (``best``) often adds samples on a lucky fold.
   ``repeats`` > 1 runs the K-fold CV again on new random fold splits and averages every fold
   of every repeat, so one lucky split weighs less; the standard error stays that of one K-fold
   pass (the repeats reuse the same rows, so they are not independent evidence).
2. **Scoring on the held-out test split.** Every condition is trained with the selected
   settings once per seed (the seed draws the classifier's initialisation and which synthetic
   samples are used; synthetic-only trains on a bootstrap resample of the pool) and scored on
   the test rows: balanced accuracy, macro-F1, AUROC.

Selection data: with ``fold_pools`` (stages/fold_generators.py trains one smaller generator per
fold, without the fold's validation rows) each fold draws its synthetic samples from its own
generator, and ``check_unseen`` refuses a fold whose generator saw a row it validates on. Without
them every fold draws from the run's generator, which has seen the validation rows and can
flatter synthetic data there; the result then carries that caveat. The test split has never been
seen by anything, so the phase-2 numbers are honest either way.

The intervals, comparisons, recommendation and verdict are verdict.py's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.model_selection import RepeatedStratifiedKFold

from synthaug.evaluation import verdict
from synthaug.evaluation.bootstrap import COVERS, REPLICATES
from synthaug.evaluation.conditions import (
    REAL,
    REAL_CLASSIC,
    REAL_CLASSIC_SYNTHETIC,
    REAL_SYNTHETIC,
    SELECTION_OF,
    SYNTHETIC_ONLY,
)
from synthaug.evaluation.downstream_metrics import METRICS, PRIMARY_METRIC, score
from synthaug.evaluation.fits import FILTER_RULES, filter_mask, fit
from synthaug.evaluation.samples import (
    ALLOCATIONS,
    RAREST_FIRST,
    Samples,
    classic_oversample,
    draw_per_class,
    extra_counts,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProtocolSettings:
    seeds: int = 5
    folds: int = 3
    repeats: int = 1  # K-fold passes on new fold splits, averaged (see selection_folds)
    amounts: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 4.0)
    filtering: bool = True  # evaluate filtering (kept only if it helps)
    filter_confidence: float = 0.8
    filter_rule: str = "contradicted"  # see fits.FILTER_RULES
    replicates: int = REPLICATES  # bootstrap resamples of the test rows
    rule: str = "one-se"  # see SELECTION_RULES
    allocation: str = RAREST_FIRST  # how an amount is shared between classes (samples.ALLOCATIONS)
    weights: tuple[float, ...] = (1.0,)  # candidate loss weights of an added sample (see Candidate)


@dataclass(frozen=True)
class Candidate:
    """One way of adding samples that the inner CV scores: ``amount`` x the real count (samples.py),
    each of loss weight ``weight`` relative to a real sample. A weight below 1 lets many added
    samples shape the classifier while their noise weighs less. Simpler means less added weight
    (``mass``), then fewer samples."""

    amount: float
    weight: float = 1.0

    @property
    def mass(self) -> float:
        return self.amount * self.weight

    @property
    def key(self) -> str:
        """The candidate's name in results: ``x2`` (weight 1) or ``x8@w0.25``."""
        return f"x{self.amount:g}" + ("" if self.weight == 1 else f"@w{self.weight:g}")

    def simplicity(self) -> tuple[float, float]:
        return (round(self.mass, 10), self.amount)


def candidates(amounts: list[float], weights: tuple[float, ...]) -> list[Candidate]:
    """Every amount at every weight, in order of simplicity; amount 0 once (its weight is moot)."""
    grid = {Candidate(a, 1.0 if a == 0 else w) for a in amounts for w in weights}
    return sorted(grid, key=Candidate.simplicity)


# How the inner CV's per-fold scores choose between a simpler and a richer candidate.
SELECTION_RULES = {
    "one-se": "one-SE rule: the simplest candidate (the least added sample weight, then the "
    "smallest amount), unfiltered where possible, whose mean paired "
    "per-fold difference from the best candidate is within one standard error of that difference "
    "(the standard error of one K-fold pass, however many repeats are averaged)",
    "best": "best rule: the highest mean CV score, the simpler candidate winning ties",
}


@dataclass
class Selection:
    amount: float
    filtered: bool
    cv_scores: dict[str, float] = field(default_factory=dict)  # candidate -> mean CV primary metric
    rule: str = "one-se"
    weight: float = 1.0  # each added sample's loss weight (Candidate)

    def to_dict(self) -> dict[str, Any]:
        scores = self.cv_scores
        best = max(scores, key=lambda key: round(scores[key], 10)) if scores else ""
        return {
            "amount": self.amount,
            "weight": self.weight,
            "filtered": self.filtered,
            "cv_balanced_accuracy": scores,
            "rule": self.rule,
            "best_cv_candidate": best,  # the highest mean CV score, whatever the rule chose
        }

    @property
    def key(self) -> str:
        """The chosen candidate's key in ``cv_scores`` (Candidate.key, ``+filter`` when filtered)."""
        return Candidate(self.amount, self.weight).key + ("+filter" if self.filtered else "")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Selection:
        return cls(
            float(data["amount"]),
            bool(data["filtered"]),
            dict(data["cv_balanced_accuracy"]),
            str(data.get("rule", "best")),
            float(data.get("weight", 1.0)),  # results before weights were a choice: 1
        )


@dataclass(frozen=True)
class FoldPool:
    """A selection fold's synthetic samples, from a generator trained only on the rows at
    ``trained_on`` (positions in the real training split)."""

    samples: Samples
    trained_on: np.ndarray


@dataclass
class ClassifierSelection:
    """Phase 1's outcome for one classifier: the selections ("synthetic"; "classic" for tables,
    "classic+synthetic" for images; conditions.SELECTION_OF) and, when filtering was selected for
    real+synthetic, which synthetic samples survive it."""

    selections: dict[str, Selection]
    filter_keep: np.ndarray | None = None  # (pool size,) bool

    def to_dict(self) -> dict[str, Any]:
        keep = None if self.filter_keep is None else [bool(k) for k in self.filter_keep]
        return {"selection": {k: v.to_dict() for k, v in self.selections.items()}, "filter_keep": keep}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClassifierSelection:
        keep = data.get("filter_keep")
        selections = {k: Selection.from_dict(v) for k, v in data["selection"].items()}
        return cls(selections, None if keep is None else np.asarray(keep, dtype=bool))


CROSS_FIT = (
    "cross-fitted: each selection fold drew its synthetic samples from a generator trained without "
    "that fold's validation rows"
)
SHARED = "shared: every selection fold drew from the run's generator"
NO_CROSS_VALIDATION = "a class has fewer than 2 training rows: there is no cross-validation"

# A classifier factory: (seed, classic) -> object with fit(x, y) / predict_proba(x). ``classic``
# asks for the classic augmentation inside training (images); tables ignore it.
ClassifierFactory = Callable[[int, bool], Any]
# One seed's scores: condition -> metric -> value.
SeedScores = dict[str, dict[str, float]]
# One seed's predictions on the test rows: condition -> (rows, classes) probabilities.
SeedPredictions = verdict.SeedPredictions


def run_protocol(
    *,
    real: Samples,
    synthetic: Samples,
    test: Samples,
    classifiers: dict[str, ClassifierFactory],
    kind: str,
    settings: ProtocolSettings,
    fold_pools: list[FoldPool] | None = None,
    record: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Selection on ``real`` only, then every condition scored on ``test``; JSON-ready result.
    ``record`` receives one row per (classifier, condition, seed) as it is scored.

    This runs the phases one after another; ``select_settings`` (per classifier) and
    ``score_seed`` (per classifier and seed) are independent units that a task runner can run in
    parallel, with ``summarise_classifier`` and ``assemble_result`` combining their outputs into
    the same result.
    """
    selections = {
        name: select_settings(
            real=real, synthetic=synthetic, make=make, kind=kind, settings=settings, fold_pools=fold_pools
        )
        for name, make in classifiers.items()
    }
    # the test split is read from here on only
    results: dict[str, Any] = {}
    for name, make in classifiers.items():
        per_seed = []
        for seed in range(settings.seeds):
            predictions = predict_seed(
                real=real,
                synthetic=synthetic,
                test=test,
                make=make,
                chosen=selections[name],
                kind=kind,
                seed=seed,
                allocation=settings.allocation,
            )
            per_seed.append(predictions)
            for condition, values in scores_of(test, predictions).items() if record else ():
                record({"classifier": name, "condition": condition, "seed": seed, **values})
        results[name] = summarise_classifier(test, per_seed, selections[name], settings)
    sizes = {"real_train": len(real), "synthetic_pool": len(synthetic), "test": len(test)}
    return assemble_result(results, settings=settings, sizes=sizes, cross_fitted=fold_pools is not None)


def planned_fits(
    *, real_counts: np.ndarray, synthetic_counts: np.ndarray, kind: str, settings: ProtocolSettings
) -> int:
    """How many classifier fits ``select_settings`` and ``score_seed`` (all seeds) request for one
    classifier, at most: the size of the verification's progress. Filtering is counted as if it
    were chosen; reused fits (fits.py) count too, since each is one request."""
    conditions = 5 if kind == "image" else 4  # see _conditions
    fits = settings.seeds * conditions
    smallest = int(np.min(real_counts))
    if smallest < 2:
        return fits  # no cross-validation (see _select)
    k = max(2, min(settings.folds, smallest)) * settings.repeats  # selection folds in all
    every = candidates(list(settings.amounts), settings.weights)
    grid = [
        c
        for c in every
        if c.amount == 0
        or np.all(synthetic_counts >= extra_counts(real_counts, c.amount, settings.allocation))
    ]
    fits += k * len(grid) * (2 if kind == "image" else 1)  # images: again with the augmentation on
    if settings.filtering:
        fits += 2 * k + 1  # per fold: the filter and the filtered candidate; then the kept filter
    if kind == "tabular":
        fits += k * len(every)  # the classic (SMOTE) candidates
    return fits


def select_settings(
    *,
    real: Samples,
    synthetic: Samples,
    make: ClassifierFactory,
    kind: str,
    settings: ProtocolSettings,
    fold_pools: list[FoldPool] | None = None,
) -> ClassifierSelection:
    """Phase 1 for one classifier, on the real training split only. With ``fold_pools`` (one per
    selection fold, see ``selection_folds``) each fold draws its synthetic samples from a
    generator that never saw the fold's validation rows; without, from ``synthetic``."""
    selections = _select(real, synthetic, make, kind, settings, fold_pools)
    keep = (
        filter_mask(real, synthetic, make, settings.filter_confidence, settings.filter_rule)
        if selections["synthetic"].filtered
        else None
    )
    return ClassifierSelection(selections, keep)


def predict_seed(
    *,
    real: Samples,
    synthetic: Samples,
    test: Samples,
    make: ClassifierFactory,
    chosen: ClassifierSelection,
    kind: str,
    seed: int,
    allocation: str,
) -> SeedPredictions:
    """Phase 2 for one classifier and seed: every condition trained with the selected settings;
    its class probabilities on the held-out ``test`` samples."""
    rng = np.random.default_rng(10_000 + seed)
    conditions = _conditions(real, synthetic, chosen, kind, rng, allocation)
    return {
        condition: np.asarray(fit(make, seed, classic, train).predict_proba(test.x), dtype=np.float64)
        for condition, (train, classic) in conditions.items()
    }


def scores_of(test: Samples, predictions: SeedPredictions) -> SeedScores:
    """Every metric of each condition's predictions on all test rows."""
    return {c: score(test.y, proba, test.n_classes) for c, proba in predictions.items()}


def summarise_classifier(
    test: Samples, per_seed: list[SeedPredictions], chosen: ClassifierSelection, settings: ProtocolSettings
) -> dict[str, Any]:
    """Intervals, comparisons, recommendation and verdict (verdict.py) for one classifier."""
    selection = {k: v.to_dict() for k, v in chosen.selections.items()}
    return verdict.summarise_classifier(test.y, per_seed, selection, replicates=settings.replicates)


def assemble_result(
    results: dict[str, dict[str, Any]],
    *,
    settings: ProtocolSettings,
    sizes: dict[str, int],
    cross_fitted: bool,
    shared_reason: str = "",
) -> dict[str, Any]:
    """The protocol's JSON result from each classifier's ``summarise_classifier`` output;
    ``cross_fitted``: whether selection used a generator per fold (else ``shared_reason`` says why not)."""
    overall_verdict, recommendation = verdict.overall(results)
    result = {
        "primary_metric": PRIMARY_METRIC,
        "metrics": list(METRICS),
        "settings": {
            "seeds": settings.seeds,
            "folds": settings.folds,
            "repeats": settings.repeats,
            "amounts": list(settings.amounts),
            "filtering_evaluated": settings.filtering,
            "filter_confidence": settings.filter_confidence,
            "filter_rule": settings.filter_rule,
            "filter_rule_text": FILTER_RULES[settings.filter_rule].format(
                confidence=settings.filter_confidence
            ),
            "bootstrap_replicates": settings.replicates,
            "selection_rule": settings.rule,
            "selection_rule_text": SELECTION_RULES[settings.rule],
            "allocation": settings.allocation,
            "allocation_text": ALLOCATIONS[settings.allocation],
            "weights": list(settings.weights),
        },
        "sizes": sizes,
        "classifiers": results,
        "verdict": overall_verdict,
        "recommendation": recommendation,
        "interval": COVERS,
        "verdict_rule": "per classifier: synthetic data are recommended (gain) when real+synthetic "
        "(images: real+synthetic or real+classic+synthetic) beats real only, the classic baseline and "
        "any simpler option that beat real only, each by a 95% interval of the paired difference in "
        f"{PRIMARY_METRIC} above zero; harm when adding them lowers it; overall: harm if any "
        "classifier is harmed, gain only if every classifier gains",
        "selection_data": CROSS_FIT if cross_fitted else SHARED,
    }
    caveats = []
    if shared_reason == NO_CROSS_VALIDATION:
        caveats.append(f"{NO_CROSS_VALIDATION}, so no amount was chosen and nothing was added")
    else:
        if not cross_fitted:
            caveats.append(
                "the cross-validation that chose the amount drew from the run's generator, which was "
                "trained on its validation folds too, so it may favour synthetic data"
                + (f" ({shared_reason})" if shared_reason else "")
                + "; the held-out test split was seen by nothing before these scores"
            )
        untested = untested_amounts(results, settings)
        result["untested_amounts"] = untested
        if untested:
            caveats.append(_untested_text(untested, settings))
    if caveats:
        result["caveat"] = "; ".join(caveats)
    return result


def untested_amounts(results: dict[str, dict[str, Any]], settings: ProtocolSettings) -> list[float]:
    """Candidate amounts no classifier's selection could try: the synthetic set held fewer than
    an amount adds to some class of the training split (see ``_select``)."""
    tried = {key for r in results.values() for key in r["selection"]["synthetic"]["cv_balanced_accuracy"]}
    tried_amounts = {key.split("@")[0].removesuffix("+filter") for key in tried}
    return [a for a in settings.amounts if a > 0 and f"x{a:g}" not in tried_amounts]


def _untested_text(untested: list[float], settings: ProtocolSettings) -> str:
    amounts = ", ".join(f"{a:g}x" for a in untested)
    why = "the synthetic set holds fewer samples of some class than that amount adds to the class"
    fix = "raise generation.per_class"
    if len(untested) == sum(a > 0 for a in settings.amounts):
        return (
            f"no synthetic amount could be tried ({amounts}): {why}, so nothing was added and the "
            f"verdict says nothing about these synthetic data; {fix}"
        )
    return f"the amounts {amounts} could not be tried: {why}; {fix} to test them"


def _select(
    real: Samples,
    synthetic: Samples,
    make: ClassifierFactory,
    kind: str,
    settings: ProtocolSettings,
    fold_pools: list[FoldPool] | None,
) -> dict[str, Selection]:
    """Phase 1: the synthetic amount (and filtering) and the classic amount (tables) or the amount
    on top of the classic augmentation (images), by inner CV."""
    extra_key = SELECTION_OF[REAL_CLASSIC if kind == "tabular" else REAL_CLASSIC_SYNTHETIC]
    if real.counts().min() < 2:  # a class with one training row cannot be cross-validated
        log.warning("%s: nothing is added", NO_CROSS_VALIDATION)
        nothing = Selection(0.0, False, {})
        return {"synthetic": nothing, extra_key: nothing}
    folds = selection_folds(real.y, real.n_classes, settings.folds, settings.repeats)
    allocation = settings.allocation
    if fold_pools is None:
        pools = [synthetic] * len(folds)
    else:
        check_unseen(folds, fold_pools)
        pools = [pool.samples for pool in fold_pools]
    every = candidates(list(settings.amounts), settings.weights)
    grid = [
        c
        for c in every
        if c.amount == 0
        or (
            synthetic.available_for(real, c.amount, allocation=allocation)
            and all(
                pool.available_for(real.subset(train), c.amount, allocation=allocation)
                for pool, (train, _) in zip(pools, folds, strict=True)
            )
        )
    ]

    def drawn(k: int, fold: Samples, rng: np.random.Generator, a: float) -> Samples:
        return draw_per_class(pools[k], fold, a, rng, allocation=allocation)

    folds_of, best = _best_candidate(real, folds, make, grid, drawn, settings)
    filtered = False
    if settings.filtering and best.amount > 0:

        def filtered_draw(k: int, fold: Samples, rng: np.random.Generator) -> Samples:
            keep = filter_mask(fold, pools[k], make, settings.filter_confidence, settings.filter_rule)
            chosen = draw_per_class(pools[k].subset(keep), fold, best.amount, rng, allocation=allocation)
            return chosen.weighted(best.weight)

        key = f"{best.key}+filter"
        folds_of[key] = _cv_folds(real, folds, make, filtered_draw, repeats=settings.repeats)
        filtered = beats(folds_of[key], folds_of[best.key], settings.rule)
    selections = {"synthetic": _selection(best, folds_of, settings.rule, filtered=filtered)}
    if kind == "tabular":
        classic_folds, classic_best = _best_candidate(
            real,
            folds,
            make,
            every,
            lambda k, fold, rng, a: classic_oversample(fold, a, rng, allocation=allocation),
            settings,
        )
        selections[extra_key] = _selection(classic_best, classic_folds, settings.rule)
    else:  # the amount on top of the classic augmentation, with the augmentation on in the CV
        on_classic, on_classic_best = _best_candidate(real, folds, make, grid, drawn, settings, classic=True)
        selections[extra_key] = _selection(on_classic_best, on_classic, settings.rule)
    log.info(
        "selected by %d-fold CV%s on the training split (%s): %s",
        len(folds) // settings.repeats,
        f" repeated {settings.repeats} times" if settings.repeats > 1 else "",
        "a generator per fold" if fold_pools is not None else "the run's generator",
        {k: v.to_dict() for k, v in selections.items()},
    )
    return selections


def selection_folds(
    y: np.ndarray, n_classes: int, folds: int, repeats: int = 1
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The inner CV's (train, validation) positions in the training split, ``repeats`` K-fold
    passes one after another (each pass a new stratified split; the first is the same for any
    ``repeats``); the fold generators of a run are trained on exactly these training positions."""
    smallest = int(np.bincount(y, minlength=n_classes).min())
    k = max(2, min(folds, smallest))
    splitter = RepeatedStratifiedKFold(n_splits=k, n_repeats=repeats, random_state=0)
    return list(splitter.split(np.zeros(len(y)), y))


def check_unseen(folds: list[tuple[np.ndarray, np.ndarray]], fold_pools: list[FoldPool]) -> None:
    """Refuse a selection fold whose synthetic samples come from a generator that was trained on
    a row the fold validates on."""
    if len(fold_pools) != len(folds):
        raise RuntimeError(f"{len(fold_pools)} fold generators for {len(folds)} selection folds")
    for k, ((_, validation), pool) in enumerate(zip(folds, fold_pools, strict=True)):
        seen = np.intersect1d(validation, pool.trained_on)
        if seen.size:
            raise RuntimeError(
                f"selection fold {k} validates on {seen.size} training rows (positions {seen[:5].tolist()}"
                f"{'...' if seen.size > 5 else ''}) that trained the generator of its synthetic samples; "
                "a fold's generator must be trained on that fold's training rows only"
            )


def _best_candidate(
    real: Samples,
    folds,
    make: ClassifierFactory,
    grid: list[Candidate],
    extra,
    settings: ProtocolSettings,
    *,
    classic=False,
) -> tuple[dict[str, np.ndarray], Candidate]:
    """Per-fold CV scores of each candidate by key (``extra(fold_id, fold_train, rng, amount)``
    draws the samples, which then take the candidate's weight; ``classic``: with the classic
    augmentation in training) and the candidate the rule chooses (SELECTION_RULES)."""
    scores = {
        c: _cv_folds(
            real,
            folds,
            make,
            lambda k, fold, rng, c=c: extra(k, fold, rng, c.amount).weighted(c.weight),
            classic=classic,
            repeats=settings.repeats,
        )
        for c in grid
    }
    return {c.key: s for c, s in scores.items()}, choose(scores, settings.rule)


def _selection(
    chosen: Candidate, fold_scores: dict[str, np.ndarray], rule: str, *, filtered=False
) -> Selection:
    return Selection(chosen.amount, filtered, _means(fold_scores), rule, chosen.weight)


def choose(fold_scores: dict[Candidate, np.ndarray], rule: str) -> Candidate:
    """The candidate ``rule`` (SELECTION_RULES) picks from each candidate's per-fold CV scores,
    (folds,) or (repeats, folds)."""
    ordered = sorted(fold_scores, key=Candidate.simplicity)
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


def _means(scores: dict[str, np.ndarray]) -> dict[str, float]:
    return {key: float(np.mean(values)) for key, values in scores.items()}


def _cv_folds(
    real: Samples, folds, make: ClassifierFactory, extra, *, classic: bool = False, repeats: int = 1
) -> np.ndarray:
    """Validation balanced accuracy per fold, (repeats, folds), of real fold-train +
    ``extra(fold_id, fold_train, rng)`` (``classic``: with the classic augmentation in training)."""
    values = []
    for fold_id, (train_index, val_index) in enumerate(folds):
        fold_train, fold_val = real.subset(train_index), real.subset(val_index)
        train = fold_train.concat(extra(fold_id, fold_train, np.random.default_rng(fold_id)))
        model = fit(make, 0, classic, train)
        values.append(score(fold_val.y, model.predict_proba(fold_val.x), real.n_classes)[PRIMARY_METRIC])
    return np.asarray(values, dtype=np.float64).reshape(repeats, -1)


def _conditions(
    real: Samples,
    synthetic: Samples,
    chosen: ClassifierSelection,
    kind: str,
    rng: np.random.Generator,
    allocation: str,
) -> dict[str, tuple[Samples, bool]]:
    """Each condition's training samples, and whether the classic augmentation runs in training."""
    selection, filter_keep = chosen.selections, chosen.filter_keep
    pool = synthetic.subset(filter_keep) if filter_keep is not None else synthetic
    with_synthetic = selection["synthetic"]
    added = draw_per_class(pool, real, with_synthetic.amount, rng, allocation=allocation)
    added = added.weighted(with_synthetic.weight)
    conditions = {REAL: (real, False), REAL_SYNTHETIC: (real.concat(added), False)}
    if kind == "tabular":
        classic = selection["classic"]
        smote = classic_oversample(real, classic.amount, rng, allocation=allocation)
        conditions[REAL_CLASSIC] = (real.concat(smote.weighted(classic.weight)), False)
    else:
        conditions[REAL_CLASSIC] = (real, True)
        on_classic = selection.get(SELECTION_OF[REAL_CLASSIC_SYNTHETIC])
        if on_classic is None or (
            (on_classic.amount, on_classic.weight) == (with_synthetic.amount, with_synthetic.weight)
            and filter_keep is None
        ):
            extra = added  # the same images as real+synthetic (and results written before the choice)
        else:  # the unfiltered pool (the filter was chosen for real+synthetic), from a stream of its
            # own so that the other conditions draw what they drew before this choice existed
            extra = draw_per_class(synthetic, real, on_classic.amount, rng.spawn(1)[0], allocation=allocation)
            extra = extra.weighted(on_classic.weight)
        conditions[REAL_CLASSIC_SYNTHETIC] = (real.concat(extra), True)
    # a bootstrap resample of the pool, so that the seeds vary the training set even for a
    # deterministic classifier (the whole pool every time would give a zero-width interval)
    conditions[SYNTHETIC_ONLY] = (synthetic.subset(rng.integers(0, len(synthetic), len(synthetic))), False)
    return conditions
