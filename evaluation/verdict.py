"""The verdict and the recommendation, from every condition's predictions on the held-out rows.

Intervals come from bootstrap.py: every condition and every comparison is scored on the same
row resamples and seeds, so a comparison keeps its pairing. The comparisons:

- ``paired_vs_real``: every condition minus real only;
- ``paired_vs_classic``: each synthetic condition (real+synthetic and real+classic+synthetic)
  minus the classic baseline (tables: real+SMOTE; images: real with the augmentation);
- ``paired_vs_synthetic``: real+classic+synthetic minus real+synthetic.

**Recommendation** (per classifier): start from real only and walk the other candidates simplest
first (classic, synthetic, classic+synthetic). A candidate is taken when its interval against
real only lies above zero, against the option already taken too, and, for a candidate with
synthetic data, against real+classic as well; a synthetic candidate is skipped when its selection
added no synthetic data. So synthetic data are recommended only when they beat both real only
and whatever simpler option already beat it.

**Verdict on the synthetic data** (what ``require_gain`` reads): ``gain`` when the
recommendation includes synthetic data; ``harm`` when adding them lowers the score (the interval
of real+synthetic vs real, or of real+classic+synthetic vs real+classic, lies below
zero); ``no-gain`` otherwise, which includes synthetic data that beat real only but not the
classic baseline.

Across classifiers the verdict is ``harm`` if any classifier is harmed and ``gain`` only if every
one gains; the recommendation is theirs when they agree, else the simplest of theirs.

Without the classic baseline (``evaluation.classic_baseline: false``) neither real+classic nor
real+classic+synthetic is scored: the walk takes synthetic when it beats real only, and every
text that gives the verdict says the baseline was left out (``conditions.LEFT_OUT``).

**Detectable effect** (per classifier): the true difference such an interval calls 80% of the
time, (z_0.975 + z_0.8) / z_0.975 = 1.43 times its half-width, from the comparison of the added
synthetic data with real only (or, when real+synthetic added nothing, of the classic baseline with real
only). A no-gain with a detectable effect of 3 points says little about a gain of 1 point; the
report and the dataset card say so. benchmarks/verdict_calibration.py reports it beside the
measured effects.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from synthaug.evaluation import statistics
from synthaug.evaluation.bootstrap import REPLICATES, interval, paired_difference, stratified_row_weights
from synthaug.evaluation.conditions import (
    CANDIDATES,
    LEFT_OUT,
    OPTIONS,
    REAL,
    REAL_CLASSIC,
    REAL_CLASSIC_SYNTHETIC,
    REAL_SYNTHETIC,
    WITH_SYNTHETIC,
    selected,
)
from synthaug.evaluation.downstream_metrics import PRIMARY_METRIC
from synthaug.evaluation.statistics import CONFIDENCE, GAIN, HARM, NO_GAIN, NOT_VERIFIED, Verdict
from synthaug.evaluation.weighted_metrics import weighted_scores

# result key of the comparisons against each baseline
COMPARISONS = {
    REAL: "paired_vs_real",
    REAL_CLASSIC: "paired_vs_classic",
    REAL_SYNTHETIC: "paired_vs_synthetic",
}
# (treatment, baseline) whose harm makes the synthetic data's verdict harm
HARM_CHECKS = ((REAL_SYNTHETIC, REAL), (REAL_CLASSIC_SYNTHETIC, REAL_CLASSIC))

POWER = 0.8
_Z = stats.norm.ppf(0.5 + CONFIDENCE / 2)
DETECTABLE_FACTOR = float((_Z + stats.norm.ppf(POWER)) / _Z)  # 1.43: true effect / half-width at 80% power

CHUNK_CELLS = 20_000_000  # row weights held at once (160 MB of float64)

# One seed's predictions: condition -> (test rows, classes) probabilities.
SeedPredictions = dict[str, np.ndarray]


def summarise_classifier(
    y: np.ndarray,
    per_seed: list[SeedPredictions],
    selection: dict[str, Any],
    *,
    replicates: int = REPLICATES,
    seed: int = 0,
) -> dict[str, Any]:
    """Intervals per condition and metric, the comparisons, the recommendation and the verdict
    for one classifier; ``per_seed`` in seed order, ``y`` the test labels."""
    rng = np.random.default_rng(seed)

    def seed_noise() -> np.random.Generator:
        # every interval draws the same seed noise (common random numbers), so two comparisons
        # with identical differences get identical intervals
        return np.random.default_rng([seed, 1])

    unit = np.ones((1, len(y)))
    probas = {c: np.stack([predictions[c] for predictions in per_seed]) for c in per_seed[0]}  # (S, N, C)
    on_all_rows = {c: {m: v[0] for m, v in weighted_scores(y, p, unit).items()} for c, p in probas.items()}
    # row resamples in chunks, each scoring every condition (so comparisons stay paired), to bound
    # memory on large test sets; below CHUNK_CELLS / B rows (10,000) it is one chunk
    chunks: dict[str, list[dict[str, np.ndarray]]] = {c: [] for c in probas}
    per_chunk = max(1, CHUNK_CELLS // max(1, len(y)))
    for start in range(0, replicates, per_chunk):
        weights = stratified_row_weights(y, min(per_chunk, replicates - start), rng)  # (b, N)
        for condition, proba in probas.items():
            chunks[condition].append(weighted_scores(y, proba, weights))  # metric -> (b, S)
    resampled = {
        c: {m: np.concatenate([part[m] for part in parts]) for m in parts[0]} for c, parts in chunks.items()
    }

    def compare(treatment: str, baseline: str) -> dict[str, dict]:
        return {
            m: paired_difference(
                resampled[treatment][m],
                resampled[baseline][m],
                on_all_rows[treatment][m],
                on_all_rows[baseline][m],
                seed_noise(),
            ).to_dict()
            for m in resampled[treatment]
        }

    result: dict[str, Any] = {
        "selection": selection,
        "conditions": {
            c: {m: interval(resampled[c][m], on_all_rows[c][m], seed_noise()).to_dict() for m in resampled[c]}
            for c in resampled
        },
    }
    for baseline, key in COMPARISONS.items():
        treatments = _compared_with(baseline, list(resampled))
        if baseline in resampled and treatments:
            result[key] = {t: compare(t, baseline) for t in treatments}
    result["recommendation"] = recommend(result)
    result["verdict"] = synthetic_verdict(result)
    result["detectable_effect"] = detectable_effect(result)
    return result


def detectable_effect(result: dict[str, Any]) -> dict[str, Any] | None:
    """The difference the primary metric's interval calls 80% of the time (module docstring), and
    the comparison whose interval it comes from; None when no comparison has any spread."""
    for treatment in (REAL_SYNTHETIC, REAL_CLASSIC):
        found = comparison(result, treatment, REAL)
        if found is not None and found["high"] > found["low"]:
            return {
                "difference": DETECTABLE_FACTOR * (found["high"] - found["low"]) / 2,
                "power": POWER,
                "based_on": f"{treatment} vs {REAL}",
            }
    return None


def _compared_with(baseline: str, present: list[str]) -> list[str]:
    if baseline == REAL:
        return [c for c in present if c != REAL]
    later = CANDIDATES[CANDIDATES.index(baseline) + 1 :]
    if baseline == REAL_CLASSIC:
        later = [c for c in later if c in WITH_SYNTHETIC]
    return [c for c in later if c in present]


def comparison(result: dict[str, Any], treatment: str, baseline: str) -> dict[str, Any] | None:
    """The primary metric's comparison ``treatment - baseline`` in a classifier's result."""
    found = result.get(COMPARISONS[baseline], {}).get(treatment)
    return None if found is None else found[PRIMARY_METRIC]


def recommend(result: dict[str, Any]) -> dict[str, Any]:
    """The walk of the module docstring; ``evidence`` lists every comparison it consulted."""
    chosen, evidence = REAL, []
    for candidate in CANDIDATES[1:]:
        if candidate not in result["conditions"]:
            continue
        if candidate in WITH_SYNTHETIC and not selected(result["selection"], candidate)["amount"] > 0:
            continue
        needed = [REAL]
        if candidate in WITH_SYNTHETIC and REAL_CLASSIC in result["conditions"]:
            needed.append(REAL_CLASSIC)  # synthetic data must beat the classic baseline too
        if chosen not in needed:
            needed.append(chosen)
        steps = [(candidate, baseline, comparison(result, candidate, baseline)) for baseline in needed]
        evidence += [_evidence(t, b, c) for t, b, c in steps if c is not None]
        if all(c is not None and c["verdict"] == GAIN for _, _, c in steps):
            chosen = candidate
    return {"condition": chosen, "option": OPTIONS[chosen], "evidence": evidence}


def _evidence(treatment: str, baseline: str, found: dict[str, Any]) -> dict[str, Any]:
    return {
        "comparison": f"{treatment} vs {baseline}",
        "difference": found["mean_difference"],
        "low": found["low"],
        "high": found["high"],
        "verdict": found["verdict"],
    }


def verdict_meaning(verdict: str, *, classic: bool = True) -> str:
    """What a run's verdict on its synthetic data means, in words, for the report and the dataset
    card; ``classic``: whether the classic baseline was scored."""
    if verdict == NOT_VERIFIED:
        return "nobody has measured whether these data help (verification was off)"
    meaning = {
        GAIN: "the synthetic data beat real only"
        + (" and the classic baseline" if classic else "")
        + " for every downstream classifier on real held-out data",
        NO_GAIN: "the synthetic data did not measurably beat "
        + ("both real only and the classic baseline" if classic else "real only"),
        HARM: "adding the synthetic data made a downstream classifier worse: do not train on them",
    }.get(verdict, verdict)
    return meaning if classic else f"{meaning} ({LEFT_OUT})"


def rule_words(classic: bool = True) -> str:
    """The verdict's rule in one sentence, for the result; ``classic``: whether the classic
    baseline was scored (ProtocolSettings.classic)."""
    beats = (
        "real+synthetic or real+classic+synthetic beats real only, the classic baseline and any simpler "
        "option that beat real only, each"
        if classic
        else "real+synthetic beats real only (the classic baseline was left out)"
    )
    return (
        f"per classifier: synthetic data are recommended (gain) when {beats} by a 95% interval of the "
        f"paired difference in {PRIMARY_METRIC} above zero; harm when adding them lowers it; overall: "
        "harm if any classifier is harmed, gain only if every classifier gains"
    )


def detectable_sentence(per_classifier: dict[str, float | None], test_rows: int) -> str:
    """One sentence for the report and the card: the true difference, in points, each classifier's
    interval would call 80% of the time on this many held-out rows; '' when none is known."""
    known = {name: points for name, points in per_classifier.items() if points is not None}
    if not known:
        return ""
    sizes = ", ".join(f"{points:.1f} ({name})" for name, points in known.items())
    return (
        f"On these {test_rows} held-out samples a true difference had to be about {sizes} points to be "
        f"called {POWER:.0%} of the time, so a no-gain does not rule out a smaller gain."
    )


def synthetic_verdict(result: dict[str, Any]) -> Verdict:
    """``gain`` / ``harm`` / ``no-gain`` for the synthetic data, as the module docstring says."""
    if result["recommendation"]["condition"] in WITH_SYNTHETIC:
        return GAIN
    for treatment, baseline in HARM_CHECKS:
        found = comparison(result, treatment, baseline)
        if found is not None and found["verdict"] == HARM:
            return HARM
    return NO_GAIN


def overall(results: dict[str, dict[str, Any]]) -> tuple[Verdict, dict[str, Any]]:
    """The verdict and recommendation across classifiers."""
    verdict = statistics.overall_verdict([r["verdict"] for r in results.values()])
    chosen = {name: r["recommendation"]["condition"] for name, r in results.items()}
    simplest = min(chosen.values(), key=CANDIDATES.index, default=REAL)
    recommendation = {
        "condition": simplest,
        "option": OPTIONS[simplest],
        "agreed": len(set(chosen.values())) <= 1,
        "per_classifier": {name: OPTIONS[c] for name, c in chosen.items()},
    }
    return verdict, recommendation
