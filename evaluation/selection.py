"""Phase 1 of the verification protocol (gain.py): choosing, by cross-validation inside the real
training split only, how many synthetic samples to add for one classifier, at which loss weight,
and whether to filter them; and the classic baseline's amount the same way.

Each candidate (Candidate: an amount at a weight) is scored on the same stratified K-fold splits
(``selection_folds``), optionally repeated on new splits, each fold's score optionally the mean
of several classifier seeds (``cv_seeds``). ``choose`` applies the selection rule
(SELECTION_RULES) to the per-fold scores. The filter (fits.filter_mask, by ``filter_rule``) is
tried on top of the chosen candidate and kept only if it beats it under the same rule. With
``fold_pools`` each fold draws from a generator trained without the fold's validation rows, and
``check_unseen`` refuses one that saw them. ``ProtocolSettings`` holds every setting of both
phases in one place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.model_selection import RepeatedStratifiedKFold

from synthaug.evaluation.bootstrap import REPLICATES
from synthaug.evaluation.conditions import REAL_CLASSIC, REAL_CLASSIC_SYNTHETIC, SELECTION_OF
from synthaug.evaluation.downstream_metrics import PRIMARY_METRIC, score
from synthaug.evaluation.fits import filter_mask, fit
from synthaug.evaluation.samples import (
    RAREST_FIRST,
    Samples,
    after_classic,
    classic_oversample,
    draw_per_class,
)
from synthaug.evaluation.selection_rule import Candidate, beats, candidates, choose

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProtocolSettings:
    seeds: int = 5
    folds: int = 3
    repeats: int = 1  # K-fold passes on new fold splits, averaged (see selection_folds)
    cv_seeds: int = 1  # classifier seeds (and draws of added samples) per fold and candidate, averaged
    amounts: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 4.0)
    filtering: bool | str = True  # try the filter (kept only if it helps); ALWAYS: curate first
    filter_confidence: float = 0.8
    filter_rule: str = "contradicted"  # see fits.FILTER_RULES
    replicates: int = REPLICATES  # bootstrap resamples of the test rows
    rule: str = "one-se"  # see SELECTION_RULES
    allocation: str = RAREST_FIRST  # how an amount is shared between classes (samples.ALLOCATIONS)
    weights: tuple[float, ...] = (1.0,)  # candidate loss weights of an added sample (see Candidate)
    # (amount, weight) of a real+synthetic candidate the one-SE rule treats as the simplest (see choose)
    preferred: tuple[float, float] | None = None
    # score the classic baseline and real+classic+synthetic, and select their amounts
    # (evaluation.classic_baseline); False: real only, real+synthetic and synthetic-only
    classic: bool = True


@dataclass
class Selection:
    amount: float
    filtered: bool
    cv_scores: dict[str, float] = field(default_factory=dict)  # candidate -> mean CV primary metric
    rule: str = "one-se"
    weight: float = 1.0  # each added sample's loss weight (Candidate)
    curated: bool = False  # every candidate drew from the filtered pool (filtering ALWAYS)

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
            "curated": self.curated,
        }

    @property
    def key(self) -> str:
        """The chosen candidate's key in ``cv_scores``: Candidate.key, with ``+filter`` when the filter
        was tried on top of it and kept (curated candidates were all filtered, under their own key)."""
        tried_on_top = self.filtered and not self.curated
        return Candidate(self.amount, self.weight, tried_on_top).key

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Selection:
        return cls(
            float(data["amount"]),
            bool(data["filtered"]),
            dict(data["cv_balanced_accuracy"]),
            str(data.get("rule", "best")),
            float(data.get("weight", 1.0)),  # results before weights were a choice: 1
            bool(data.get("curated", False)),
        )


@dataclass(frozen=True)
class FoldPool:
    """A selection fold's synthetic samples, from a generator trained only on the rows at
    ``trained_on`` (positions in the real training split)."""

    samples: Samples
    trained_on: np.ndarray


@dataclass
class ClassifierSelection:
    """Phase 1's outcome for one classifier: the selections ("synthetic"; "classic" for tables;
    "classic+synthetic", the amount on top of the classic baseline; conditions.SELECTION_OF) and,
    when filtering was selected for real+synthetic, which synthetic samples survive it."""

    selections: dict[str, Selection]
    filter_keep: np.ndarray | None = None  # (pool size,) bool

    @property
    def curated(self) -> bool:
        """Whether every synthetic selection drew from the kept samples (filtering ALWAYS)."""
        return self.selections["synthetic"].curated

    def to_dict(self) -> dict[str, Any]:
        keep = None if self.filter_keep is None else [bool(k) for k in self.filter_keep]
        return {"selection": {k: v.to_dict() for k, v in self.selections.items()}, "filter_keep": keep}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClassifierSelection:
        keep = data.get("filter_keep")
        selections = {k: Selection.from_dict(v) for k, v in data["selection"].items()}
        return cls(selections, None if keep is None else np.asarray(keep, dtype=bool))


# filtering: ALWAYS curates the pools before the CV instead of trying the filter on the chosen
# amount; EACH scores every candidate amount both unfiltered and filtered
ALWAYS, EACH = "always", "each"
NO_CROSS_VALIDATION = "a class has fewer than 2 training rows: there is no cross-validation"

# A classifier factory: (seed, classic) -> object with fit(x, y) / predict_proba(x). ``classic``
# asks for the classic augmentation inside training (images); tables ignore it (their classic
# baseline is SMOTE rows added to the training set).
ClassifierFactory = Callable[[int, bool], Any]


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
    generator that never saw the fold's validation rows; without, from ``synthetic``. With
    ``filtering`` EACH or ALWAYS the pools are filtered first, each fold's by the fold's training
    rows and the run's by the whole training split; EACH scores every candidate both from the whole
    pools and from what the filter keeps, ALWAYS only from what it keeps."""
    first = settings.filtering in (ALWAYS, EACH)
    keep = _filter(real, synthetic, make, settings) if first else None
    selections = _select(real, synthetic, make, kind, settings, fold_pools, keep)
    if settings.filtering == EACH and not selections["synthetic"].filtered:
        keep = None
    elif settings.filtering is True and selections["synthetic"].filtered:
        keep = _filter(real, synthetic, make, settings)
    return ClassifierSelection(selections, keep)


def _filter(real: Samples, pool: Samples, make: ClassifierFactory, settings: ProtocolSettings) -> np.ndarray:
    return filter_mask(real, pool, make, settings.filter_confidence, settings.filter_rule)


def _select(
    real: Samples,
    synthetic: Samples,
    make: ClassifierFactory,
    kind: str,
    settings: ProtocolSettings,
    fold_pools: list[FoldPool] | None,
    kept: np.ndarray | None = None,
) -> dict[str, Selection]:
    """Phase 1: the synthetic amount (and filtering) and, unless ``settings.classic`` is off, the
    classic amount (tables) or the amount on top of the classic augmentation (images) or of the
    chosen SMOTE rows (tables), by inner CV. ``kept``: the run pool's samples the filter keeps
    (filtering ALWAYS or EACH)."""
    extra_key = SELECTION_OF[REAL_CLASSIC if kind == "tabular" else REAL_CLASSIC_SYNTHETIC]
    if real.counts().min() < 2:  # a class with one training row cannot be cross-validated
        log.warning("%s: nothing is added", NO_CROSS_VALIDATION)
        nothing = Selection(0.0, False, {})
        if not settings.classic:
            return {"synthetic": nothing}
        return {"synthetic": nothing, extra_key: nothing, SELECTION_OF[REAL_CLASSIC_SYNTHETIC]: nothing}
    folds = selection_folds(real.y, real.n_classes, settings.folds, settings.repeats)
    allocation = settings.allocation
    if fold_pools is None:
        pools = [synthetic] * len(folds)
    else:
        check_unseen(folds, fold_pools)
        pools = [pool.samples for pool in fold_pools]
    sources = {False: (synthetic, pools)}
    if kept is not None:  # each fold's pool filtered by the fold's training rows only
        sources[True] = (
            synthetic.subset(kept),
            [
                pool.subset(_filter(real.subset(train), pool, make, settings))
                for pool, (train, _) in zip(pools, folds, strict=True)
            ],
        )
    curated = settings.filtering == ALWAYS
    if curated:
        sources[False] = sources[True]
    every = candidates(list(settings.amounts), settings.weights)

    def available(c: Candidate) -> bool:
        run_pool, fold_pools_of_c = sources[c.filtered]
        return c.amount == 0 or (
            run_pool.available_for(real, c.amount, allocation=allocation)
            and all(
                pool.available_for(real.subset(train), c.amount, allocation=allocation)
                for pool, (train, _) in zip(fold_pools_of_c, folds, strict=True)
            )
        )

    # EACH: every amount also from the filtered samples
    both = candidates(list(settings.amounts), settings.weights, filtered=settings.filtering == EACH)
    grid = [c for c in both if available(c)]

    def drawn(k: int, fold: Samples, rng: np.random.Generator, c: Candidate) -> Samples:
        return draw_per_class(sources[c.filtered][1][k], fold, c.amount, rng, allocation=allocation)

    folds_of, best = _best_candidate(real, folds, make, grid, drawn, settings, preferred=True)
    filtered = best.filtered or (curated and best.amount > 0)
    if settings.filtering is True and best.amount > 0:
        kept_by_fold: dict[int, np.ndarray] = {}  # one filter per fold, whatever the classifier seeds

        def filtered_draw(k: int, fold: Samples, rng: np.random.Generator) -> Samples:
            if k not in kept_by_fold:
                kept_by_fold[k] = _filter(fold, pools[k], make, settings)
            kept = pools[k].subset(kept_by_fold[k])
            return draw_per_class(kept, fold, best.amount, rng, allocation=allocation).weighted(best.weight)

        key = f"{best.key}+filter"
        folds_of[key] = _cv_folds(
            real, folds, make, filtered_draw, repeats=settings.repeats, seeds=settings.cv_seeds
        )
        filtered = beats(folds_of[key], folds_of[best.key], settings.rule)
    selections = {"synthetic": _selection(best, folds_of, settings.rule, filtered=filtered, curated=curated)}
    unfiltered = [c for c in grid if not c.filtered]  # the choices on top of the classic baseline
    if settings.classic:  # else there is no classic baseline, nor anything on top of it to choose
        if kind == "tabular":
            classic_folds, classic_best = _best_candidate(
                real,
                folds,
                make,
                every,
                lambda k, fold, rng, c: classic_oversample(fold, c.amount, rng, allocation=allocation),
                settings,
            )
            selections[extra_key] = _selection(classic_best, classic_folds, settings.rule)
            on_top = SELECTION_OF[REAL_CLASSIC_SYNTHETIC]
            if classic_best.amount == 0:  # no SMOTE rows: on top of them is real+synthetic itself
                selections[on_top] = selections["synthetic"]
            else:
                selections[on_top] = _on_smote(
                    real,
                    folds,
                    make,
                    settings,
                    grid=every,  # each checked against the counts after the SMOTE rows
                    source=sources[False],
                    classic_best=classic_best,
                    curated=curated,
                )
        else:  # the amount on top of the classic augmentation, with it on in the CV
            on_classic, on_classic_best = _best_candidate(
                real, folds, make, unfiltered, drawn, settings, classic=True
            )
            selections[extra_key] = _selection(on_classic_best, on_classic, settings.rule, curated=curated)
    log.info(
        "selected by %d-fold CV%s on the training split (%s): %s",
        len(folds) // settings.repeats,
        f" repeated {settings.repeats} times" if settings.repeats > 1 else "",
        "a generator per fold" if fold_pools is not None else "the run's generator",
        {k: v.to_dict() for k, v in selections.items()},
    )
    return selections


def _on_smote(
    real: Samples,
    folds,
    make: ClassifierFactory,
    settings: ProtocolSettings,
    *,
    grid: list[Candidate],
    source: tuple[Samples, list[Samples]],
    classic_best: Candidate,
    curated: bool,
) -> Selection:
    """Tables: the synthetic amount (and weight) on top of the chosen SMOTE candidate's rows, by
    the same CV. In each fold every candidate first adds the SMOTE rows the chosen SMOTE candidate
    added in that fold in its own CV, then synthetic rows from ``source`` (the run's pool, the
    folds' pools), shared by ``settings.allocation`` with ``present``: what the fold's training
    set holds after the SMOTE rows, counted by weight (samples.extra_counts; rarest-first only).
    Candidates of ``grid`` whose rows the pools do not hold are left out."""
    allocation = settings.allocation
    run_pool, pools_on_top = source
    fold_trains = [real.subset(train) for train, _ in folds]
    # the rows the chosen SMOTE candidate added in each fold (the same generator as its CV's for
    # classifier seed 0, the only one unless cv_seeds > 1), and what each fold's training set then
    # holds of each class
    smote_rows = [
        classic_oversample(fold, classic_best.amount, fold_rng(k), allocation=allocation).weighted(
            classic_best.weight
        )
        for k, fold in enumerate(fold_trains)
    ]
    after_smote = [fold.concat(rows).held() for fold, rows in zip(fold_trains, smote_rows, strict=True)]
    in_run = after_classic(real.counts(), classic_best.amount, classic_best.weight, allocation)

    def on_smote_drawn(k: int, fold: Samples, rng: np.random.Generator, c: Candidate) -> Samples:
        return draw_per_class(
            pools_on_top[k], fold, c.amount, rng, allocation=allocation, present=after_smote[k]
        )

    def on_smote_available(c: Candidate) -> bool:
        return c.amount == 0 or (
            run_pool.available_for(real, c.amount, allocation=allocation, present=in_run)
            and all(
                pool.available_for(fold, c.amount, allocation=allocation, present=present)
                for pool, fold, present in zip(pools_on_top, fold_trains, after_smote, strict=True)
            )
        )

    # the amount on top of those SMOTE rows, by the same CV
    on_smote, on_smote_best = _best_candidate(
        real,
        folds,
        make,
        [c for c in grid if on_smote_available(c)],
        on_smote_drawn,
        settings,
        fixed=lambda k, fold: smote_rows[k],
    )
    return _selection(on_smote_best, on_smote, settings.rule, curated=curated)


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
    fixed=None,
    preferred=False,
) -> tuple[dict[str, np.ndarray], Candidate]:
    """Per-fold CV scores of each candidate by key (``extra(fold_id, fold_train, rng, candidate)``
    draws the samples, which then take the candidate's weight; ``classic``: with the classic
    augmentation in training; ``fixed(fold_id, fold_train)``: samples every candidate adds too,
    with their own weights and random generator: tables' chosen SMOTE rows) and the candidate the
    rule chooses (SELECTION_RULES); ``preferred``: real+synthetic's candidates, where the
    settings' preferred candidate counts as the simplest."""

    def added(k: int, fold: Samples, rng: np.random.Generator, c: Candidate) -> Samples:
        mine = extra(k, fold, rng, c).weighted(c.weight)
        return mine if fixed is None else fixed(k, fold).concat(mine)

    scores = {
        c: _cv_folds(
            real,
            folds,
            make,
            lambda k, fold, rng, c=c: added(k, fold, rng, c),
            classic=classic,
            repeats=settings.repeats,
            seeds=settings.cv_seeds,
        )
        for c in grid
    }
    favoured = Candidate(*settings.preferred) if preferred and settings.preferred else None
    return {c.key: s for c, s in scores.items()}, choose(scores, settings.rule, preferred=favoured)


def _selection(
    chosen: Candidate, fold_scores: dict[str, np.ndarray], rule: str, *, filtered=False, curated=False
) -> Selection:
    return Selection(chosen.amount, filtered, _means(fold_scores), rule, chosen.weight, curated)


def _means(scores: dict[str, np.ndarray]) -> dict[str, float]:
    return {key: float(np.mean(values)) for key, values in scores.items()}


def fold_rng(fold_id: int, seed: int = 0) -> np.random.Generator:
    """The random generator a selection fold's added samples are drawn with for classifier seed
    ``seed``: the same for every candidate, so that candidates differ only in what they add."""
    return np.random.default_rng(fold_id if seed == 0 else [fold_id, seed])


def _cv_folds(
    real: Samples,
    folds,
    make: ClassifierFactory,
    extra,
    *,
    classic: bool = False,
    repeats: int = 1,
    seeds: int = 1,
) -> np.ndarray:
    """Validation balanced accuracy per fold, (repeats, folds), of real fold-train +
    ``extra(fold_id, fold_train, rng)`` (``classic``: with the classic augmentation in training),
    the mean over ``seeds`` classifier seeds, each with its own draw of ``extra``."""
    values = []
    for fold_id, (train_index, val_index) in enumerate(folds):
        fold_train, fold_val = real.subset(train_index), real.subset(val_index)
        scores = []
        for seed in range(seeds):
            train = fold_train.concat(extra(fold_id, fold_train, fold_rng(fold_id, seed)))
            model = fit(make, seed, classic, train)
            scores.append(score(fold_val.y, model.predict_proba(fold_val.x), real.n_classes)[PRIMARY_METRIC])
        values.append(np.mean(scores))
    return np.asarray(values, dtype=np.float64).reshape(repeats, -1)
