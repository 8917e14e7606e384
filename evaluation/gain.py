"""Does adding the synthetic data help a downstream classifier? The verification protocol.

Inputs are the real training split, the synthetic pool, and, separately, the held-out real
test split. The protocol runs in two phases, and the test split enters only the second:

1. **Selection, inside the real training split** (selection.py). For each classifier, stratified K-fold cross
   validation on the real training rows picks how much synthetic data to add (a multiple of
   the real count, shared between the classes by ``allocation`` in samples.py; possibly zero),
   with several ``weights`` also each added sample's weight in the loss (Candidate), and
   whether to filter the synthetic samples (fits.FILTER_RULES: drop those a classifier trained on
   the fold's real rows confidently assigns to another class, or keep only those gradient boosting
   on them learns confidently).
   Filtering is kept only if it scores higher. The classic baseline's amount (SMOTE for tables)
   is chosen the same way, unless the classic baseline is left out (``ProtocolSettings.classic``
   off: then neither it nor real+classic+synthetic is selected or scored). The amount added on
   top of the classic augmentation (real+classic+synthetic) is chosen apart, by the same CV with
   the augmentation on (images) or with the chosen SMOTE rows in every fold (tables): synthetic
   samples that help a CNN trained without augmentation can hurt one trained with it, and rows
   that help without SMOTE's can be redundant with them (that choice draws from the unfiltered
   pool, or the curated one under ``filtering: always``; tables whose chosen SMOTE amount is 0
   take real+synthetic's choice).
   Under the default ``one-se`` rule the simpler choice (a smaller amount, no filtering) wins
   unless the better one beats it by more than one standard error of their paired per-fold
   difference: with a few dozen training rows the folds' scores are noisy, and the plain best
   (``best``) often adds samples on a lucky fold. ``repeats`` > 1 runs the K-fold CV again on new
   random fold splits and averages every fold of every repeat, so one lucky split weighs less; the
   standard error stays that of one K-fold pass (the repeats reuse the same rows, so they are not
   independent evidence). ``cv_seeds`` > 1 trains each fold's classifier with that many seeds,
   each on its own draw of the added samples, and averages their scores: each fold's score then
   depends less on one training's luck, on the same folds (so no more fold generators).
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
from typing import Any

import numpy as np

from synthaug.evaluation import verdict
from synthaug.evaluation.bootstrap import COVERS
from synthaug.evaluation.conditions import (
    REAL,
    REAL_CLASSIC,
    REAL_CLASSIC_SYNTHETIC,
    REAL_SYNTHETIC,
    SELECTION_OF,
    SYNTHETIC_ONLY,
)
from synthaug.evaluation.downstream_metrics import METRICS, PRIMARY_METRIC, score
from synthaug.evaluation.fits import FILTER_RULES, fit
from synthaug.evaluation.samples import (
    ALLOCATIONS,
    Samples,
    classic_oversample,
    draw_per_class,
    extra_counts,
)
from synthaug.evaluation.selection import (
    EACH,
    NO_CROSS_VALIDATION,
    ClassifierFactory,
    ClassifierSelection,
    FoldPool,
    ProtocolSettings,
    select_settings,
)
from synthaug.evaluation.selection_rule import candidates, preferred_key, rule_text

log = logging.getLogger(__name__)


CROSS_FIT = (
    "cross-fitted: each selection fold drew its synthetic samples from a generator trained without "
    "that fold's validation rows"
)
SHARED = "shared: every selection fold drew from the run's generator"

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
                classic=settings.classic,
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
    conditions = 5 if settings.classic else 3  # see _conditions
    fits = settings.seeds * conditions
    smallest = int(np.min(real_counts))
    if smallest < 2:
        return fits  # no cross-validation (see _select)
    folds = max(2, min(settings.folds, smallest)) * settings.repeats  # selection folds in all
    k = folds * settings.cv_seeds  # fits per candidate: every fold with every classifier seed
    every = candidates(list(settings.amounts), settings.weights)
    grid = [
        c
        for c in every
        if c.amount == 0
        or np.all(synthetic_counts >= extra_counts(real_counts, c.amount, settings.allocation))
    ]
    fits += k * len(grid)
    # again on top of the classic augmentation; tables: on top of the chosen SMOTE rows, where a
    # candidate the pool cannot fill alone may fit (samples.extra_counts' present), so all of them
    if settings.classic:
        fits += k * (len(every) if kind == "tabular" else len(grid))
    if settings.filtering == EACH:  # every candidate again from the filtered samples
        fits += k * sum(1 for c in grid if c.amount > 0) + folds + 1  # and the filters
    elif settings.filtering:
        fits += folds + k + 1  # per fold the filter, the filtered candidate; then the kept filter
    if kind == "tabular" and settings.classic:
        fits += k * len(every)  # the classic (SMOTE) candidates
    return fits


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
    classic: bool = True,
) -> SeedPredictions:
    """Phase 2 for one classifier and seed: every condition trained with the selected settings;
    its class probabilities on the held-out ``test`` samples. ``classic``: with the classic
    baseline and real+classic+synthetic (ProtocolSettings.classic)."""
    rng = np.random.default_rng(10_000 + seed)
    conditions = _conditions(real, synthetic, chosen, kind, rng, allocation, classic)
    return {
        condition: np.asarray(fit(make, seed, augment, train).predict_proba(test.x), dtype=np.float64)
        for condition, (train, augment) in conditions.items()
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
            "cv_seeds": settings.cv_seeds,
            "amounts": list(settings.amounts),
            "filtering_evaluated": settings.filtering,
            "filter_confidence": settings.filter_confidence,
            "filter_rule": settings.filter_rule,
            "filter_rule_text": FILTER_RULES[settings.filter_rule].format(
                confidence=settings.filter_confidence
            ),
            "bootstrap_replicates": settings.replicates,
            "selection_rule": settings.rule,
            "selection_rule_text": rule_text(settings.rule, settings.preferred, classic=settings.classic),
            "preferred": preferred_key(settings.preferred),
            "allocation": settings.allocation,
            "allocation_text": ALLOCATIONS[settings.allocation],
            "weights": list(settings.weights),
            "classic_baseline": settings.classic,
        },
        "sizes": sizes,
        "classifiers": results,
        "verdict": overall_verdict,
        "recommendation": recommendation,
        "interval": COVERS,
        "verdict_rule": verdict.rule_words(settings.classic),
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
        by_choice = _untested_by_choice(results, settings)
        result["untested_amounts"] = sorted(set().union(*by_choice))
        if result["untested_amounts"]:
            caveats.append(_untested_text(by_choice, settings))
    if caveats:
        result["caveat"] = "; ".join(caveats)
    return result


def _untested_by_choice(results: dict[str, dict[str, Any]], settings: ProtocolSettings) -> list[set[float]]:
    """Per choice (real+synthetic, and the one on top of the classic baseline where it was made
    apart), the candidate amounts that no classifier's selection could try: the synthetic set held
    fewer than an amount adds to some class of the training split (see ``_select``)."""
    on_top = SELECTION_OF[REAL_CLASSIC_SYNTHETIC]
    untested = []
    for choice in ("synthetic", on_top):
        scored = [
            r["selection"][choice]["cv_balanced_accuracy"]
            for r in results.values()
            if choice in r["selection"]
        ]
        if choice == on_top and not any(scored):  # not made apart (older results; no CV)
            continue
        tried = {key.split("@")[0].removesuffix("+filter") for keys in scored for key in keys}
        untested.append({a for a in settings.amounts if a > 0 and f"x{a:g}" not in tried})
    return untested


def _untested_text(by_choice: list[set[float]], settings: ProtocolSettings) -> str:
    amounts = ", ".join(f"{a:g}x" for a in sorted(set().union(*by_choice)))
    why = "the synthetic set holds fewer samples of some class than that amount adds to the class"
    fix = "raise generation.per_class"
    if len(set.intersection(*by_choice)) == sum(a > 0 for a in settings.amounts):
        return (
            f"no synthetic amount could be tried ({amounts}): {why}, so nothing was added and the "
            f"verdict says nothing about these synthetic data; {fix}"
        )
    where = " (alone or on top of the classic baseline)" if len(by_choice) > 1 else ""
    return f"the amounts {amounts} could not be tried{where}: {why}; {fix} to test them"


def _conditions(
    real: Samples,
    synthetic: Samples,
    chosen: ClassifierSelection,
    kind: str,
    rng: np.random.Generator,
    allocation: str,
    classic: bool,
) -> dict[str, tuple[Samples, bool]]:
    """Each condition's training samples, and whether the classic augmentation runs in training."""
    selection, filter_keep = chosen.selections, chosen.filter_keep
    pool = synthetic.subset(filter_keep) if filter_keep is not None else synthetic
    with_synthetic = selection["synthetic"]
    added = draw_per_class(pool, real, with_synthetic.amount, rng, allocation=allocation)
    added = added.weighted(with_synthetic.weight)
    conditions = {REAL: (real, False), REAL_SYNTHETIC: (real.concat(added), False)}

    def on_top(choice, present: np.ndarray | None = None) -> Samples:  # what real+classic+synthetic
        # adds when it draws on its own: from a stream of its own so that the other conditions
        # draw what they drew before this choice existed; from the unfiltered pool when the filter
        # was tried for real+synthetic only, from the kept samples when the CV drew from them
        # throughout; ``present``: the classes' counts after the SMOTE rows (samples.extra_counts)
        source = pool if chosen.curated else synthetic
        extra = draw_per_class(
            source, real, choice.amount, rng.spawn(1)[0], allocation=allocation, present=present
        )
        return extra.weighted(choice.weight)

    if classic:  # else neither the classic baseline nor real+classic+synthetic
        if kind == "tabular":
            smote_choice = selection["classic"]
            smote = classic_oversample(real, smote_choice.amount, rng, allocation=allocation).weighted(
                smote_choice.weight
            )
            conditions[REAL_CLASSIC] = (real.concat(smote), False)
            on_smote = selection.get(SELECTION_OF[REAL_CLASSIC_SYNTHETIC])
            if on_smote is not None:  # results before tables had this condition lack it
                # no SMOTE rows: the very training set of real+synthetic; else the same SMOTE rows as
                # real+classic, then synthetic rows of its own
                extra = added if smote_choice.amount == 0 else on_top(on_smote, real.concat(smote).held())
                conditions[REAL_CLASSIC_SYNTHETIC] = (real.concat(smote).concat(extra), False)
        else:
            conditions[REAL_CLASSIC] = (real, True)
            on_classic = selection.get(SELECTION_OF[REAL_CLASSIC_SYNTHETIC])
            if on_classic is None or (
                (on_classic.amount, on_classic.weight) == (with_synthetic.amount, with_synthetic.weight)
                and (filter_keep is None or chosen.curated)
            ):
                extra = added  # the same images as real+synthetic (and results written before the choice)
            else:
                extra = on_top(on_classic)
            conditions[REAL_CLASSIC_SYNTHETIC] = (real.concat(extra), True)
    # a bootstrap resample of the pool, so that the seeds vary the training set even for a
    # deterministic classifier (the whole pool every time would give a zero-width interval)
    conditions[SYNTHETIC_ONLY] = (synthetic.subset(rng.integers(0, len(synthetic), len(synthetic))), False)
    return conditions
