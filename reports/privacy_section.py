"""The report's privacy section: the budget spent, near-copy curation, the empirical audit, and for
a private run where it sits on the measured privacy-utility curves (privacy/utility_curves.py)."""

from __future__ import annotations

import json
from typing import Any

from synthaug.evaluation.conditions import REAL, SYNTHETIC_ONLY
from synthaug.privacy.utility_curves import UtilityCurve, curve_for, reference_curves
from synthaug.reports import figures
from synthaug.reports.document import Figure, Paragraph, Section, Table
from synthaug.stages.curation import curation_text

AUDIT_MEANING = {
    "share_closer_to_train": "share of synthetic samples nearer a training than an unseen record (0.5 ideal)",
    "exact_copies": "share that are exact copies of a training record",
    "near_copies": "share closer to a training record than 95% of unseen records are",
    "membership_auc": "AUC of a distance-based membership-inference attack (0.5: learns nothing)",
    "membership_auc_either_way": "the same attack, its direction chosen afterwards (near or far: member)",
}
# below this AUC the attack works the other way round well enough to say so (0.6 above 0.5, mirrored)
REVERSED_AUC = 0.4
CURVE_CLASSIFIER = "logistic"  # the classifier the shipped curves were measured with


def privacy_section(
    records: list[dict[str, Any]],
    gain: dict[str, Any] | None,
    manifest: dict,
    curves: list[UtilityCurve] | None = None,
) -> Section:
    """``curves`` defaults to the shipped ones."""
    section = Section("Privacy")
    privacy = manifest.get("privacy")
    section.add(Paragraph(f"Differential privacy: {json.dumps(privacy) if privacy is not None else 'none'}."))
    spent = figures.privacy_spent(records)
    if spent is not None:
        section.add(Figure("privacy_spent", spent, "Privacy budget (epsilon) spent over training."))
    if privacy and privacy.get("epsilon") is not None:
        curves = reference_curves() if curves is None else curves
        if curves:
            section.add(*_position(float(privacy["epsilon"]), gain, manifest, curves))
    section.add(Paragraph(curation_text((manifest.get("generation") or {}).get("near_copies"))))
    audit = (gain or {}).get("privacy_audit")
    if audit:
        section.add(
            Paragraph("Empirical audit against the held-out split (an audit, not a guarantee):"),
            Table(
                ("measure", "value", "meaning"),
                tuple((k, f"{v:.3f}", AUDIT_MEANING.get(k, "")) for k, v in audit.items()),
                numeric=(1,),
            ),
        )
        auc = audit.get("membership_auc")
        if auc is not None and auc < REVERSED_AUC:
            section.add(Paragraph(reversed_attack_text(auc)))
    return section


def reversed_attack_text(auc: float) -> str:
    return (
        f"The membership attack's AUC of {auc:.2f} is well below 0.5: training records sit farther from "
        f"the synthetic samples than unseen records do, so the rule 'far means member' reaches "
        f"{1 - auc:.2f}. Replacing near copies leaves a gap around every training record; where the "
        "samples are dense (few columns) that gap itself gives the records away. A smaller "
        "generation.near_copy_quantile replaces fewer samples; check the audit again after changing it."
    )


def own_point(gain: dict[str, Any] | None) -> tuple[str, float, float] | None:
    """(classifier, synthetic-only, real-only balanced accuracy) of the run's own verification,
    preferring the classifier the curves were measured with."""
    classifiers = (gain or {}).get("classifiers") or {}
    name = CURVE_CLASSIFIER if CURVE_CLASSIFIER in classifiers else next(iter(classifiers), None)
    if name is None:
        return None
    conditions = classifiers[name].get("conditions") or {}
    if SYNTHETIC_ONLY not in conditions or REAL not in conditions:
        return None
    score = (conditions[SYNTHETIC_ONLY].get("balanced_accuracy") or {}).get("mean")
    real = (conditions[REAL].get("balanced_accuracy") or {}).get("mean")
    return None if score is None or real is None else (name, float(score), float(real))


def _position(
    epsilon: float, gain: dict[str, Any] | None, manifest: dict, curves: list[UtilityCurve]
) -> tuple[Paragraph | Figure, ...]:
    mine = curve_for((manifest.get("data") or {}).get("sha256"), curves)
    point = own_point(gain)
    if point is None:
        said = f"This run spent epsilon {epsilon:.2f}; no verification measured its synthetic-only score."
    else:
        name, score, real = point
        said = (
            f"This run spent epsilon {epsilon:.2f}; a {name} classifier trained on its synthetic data alone "
            f"scored a balanced accuracy of {score:.2f} on the held-out real rows (trained on the real rows: "
            f"{real:.2f})."
        )
    if mine is None:
        where = (
            "No privacy-utility curve has been measured on these data; the curves below, measured on "
            "public datasets, show how usefulness falls as epsilon shrinks."
        )
    else:
        steps = "; ".join(f"epsilon {p.epsilon:g}: {p.balanced_accuracy:.2f}" for p in mine.private_points)
        plain = mine.without_privacy
        where = (
            f"On the same data ({mine.dataset}: its {mine.train_rows} training rows and the shipped "
            f"configuration, {mine.seeds} seed(s) per point, {mine.result} of {mine.measured_at[:10]}), "
            f"a {mine.classifier} classifier trained on synthetic data alone scored {steps}"
            + (f"; without privacy {plain.balanced_accuracy:.2f}" if plain else "")
            + f"; trained on the real rows {mine.real_only:.2f}. A run with other rows, steps or "
            "classifiers sits on its own curve: read the comparison as orientation."
        )
    label = "this run" if point is None or point[0] == CURVE_CLASSIFIER else f"this run ({point[0]})"
    image = figures.privacy_utility(curves, mine, None if point is None else (epsilon, point[1]), label)
    return (
        Paragraph(f"{said} {where}"),
        Figure(
            "privacy_utility",
            image,
            "Measured privacy-utility curves (synthetic-only balanced accuracy) and this run.",
        ),
    )
