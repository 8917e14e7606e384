"""Report figures as PNG bytes (matplotlib's object API: no pyplot state, no display needed)."""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from synthaug.evaluation.statistics import GAIN, HARM, NO_GAIN
from synthaug.privacy.utility_curves import UtilityCurve

DPI = 110
GAIN_COLOURS = {GAIN: "#2e8b57", NO_GAIN: "#b58900", HARM: "#c0392b"}


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _smooth(values: pd.Series, points: int) -> pd.Series:
    window = max(1, points // 100)
    return values.rolling(window, min_periods=1).mean()


def training_curves(records: list[dict[str, Any]], warning_steps: list[int]) -> bytes:
    """Losses, discriminator diagnostics and gradient norms over steps; warnings as red lines."""
    frame = pd.DataFrame(records).apply(pd.to_numeric, errors="coerce")
    figure = Figure(figsize=(11, 7.5), layout="constrained")
    panels = figure.subplots(2, 2, sharex=True)
    series = [
        (panels[0, 0], "losses", [("loss_g", "generator"), ("loss_d", "discriminator")], False),
        (panels[0, 1], "discriminator", [("d_accuracy", "D accuracy"), ("r_t", "r_t (overfitting)")], False),
        (
            panels[1, 0],
            "gradient norms",
            [("grad_norm_g", "generator"), ("grad_norm_d", "discriminator")],
            True,
        ),
        (panels[1, 1], "augmentation", [("augment_p", "augmentation p")], False),
    ]
    for axis, title, columns, log_scale in series:
        for column, label in columns:
            if column in frame and frame[column].notna().any():
                axis.plot(frame["step"], _smooth(frame[column], len(frame)), label=label, linewidth=1.2)
        for step in warning_steps:
            axis.axvline(step, color="#c0392b", linewidth=0.8, linestyle="--")
        if log_scale:
            axis.set_yscale("log")
        axis.set_title(title)
        axis.grid(alpha=0.3)
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize=8)
    for axis in panels[1]:
        axis.set_xlabel("generator step")
    if warning_steps:
        figure.suptitle("dashed red lines: steps with a training warning", fontsize=10, color="#c0392b")
    return _png(figure)


def privacy_spent(records: list[dict[str, Any]]) -> bytes | None:
    points = [(r["step"], r["epsilon"]) for r in records if isinstance(r.get("epsilon"), (int, float))]
    if not points:
        return None
    figure = Figure(figsize=(6, 3.2), layout="constrained")
    axis = figure.subplots()
    axis.plot(*zip(*points, strict=True), marker="o", markersize=3)
    axis.set_xlabel("generator step")
    axis.set_ylabel("epsilon spent")
    axis.grid(alpha=0.3)
    return _png(figure)


def privacy_utility(
    curves: list[UtilityCurve],
    mine: UtilityCurve | None,
    point: tuple[float, float] | None,
    point_label: str = "this run",
) -> bytes:
    """Synthetic-only balanced accuracy against epsilon (log scale) for each measured curve, the
    same training without privacy at the right edge, and the run's own (epsilon, score) as a star;
    the curve of the run's own data drawn bold."""
    figure = Figure(figsize=(6.4, 3.8), layout="constrained")
    axis = figure.subplots()
    curves = [c for c in curves if c.private_points]
    epsilons = [p.epsilon for c in curves for p in c.private_points] + ([point[0]] if point else [1.0])
    no_dp = 3 * max(epsilons)  # where "no DP" is drawn
    for curve in curves:
        own = mine is not None and curve.sha256 == mine.sha256
        xs = [p.epsilon for p in curve.private_points]
        ys = [p.balanced_accuracy for p in curve.private_points]
        line = axis.plot(
            xs,
            ys,
            marker="o",
            linewidth=2.4 if own else 1.0,
            alpha=1.0 if own else 0.55,
            label=f"{curve.dataset}" + (" (these data)" if own else ""),
        )[0]
        plain = curve.without_privacy
        if plain is not None:
            axis.plot(
                [xs[-1], no_dp],
                [ys[-1], plain.balanced_accuracy],
                linestyle=":",
                color=line.get_color(),
                marker="o",
                alpha=line.get_alpha(),
            )
    if point is not None:
        axis.plot(*point, marker="*", markersize=16, color="black", linestyle="none", label=point_label)
    axis.set_xscale("log")
    ticks = sorted({p.epsilon for c in curves for p in c.private_points})
    axis.set_xticks([*ticks, no_dp], [f"{t:g}" for t in ticks] + ["no DP"])
    axis.minorticks_off()
    axis.set_xlabel("epsilon")
    axis.set_ylabel("balanced accuracy, trained on synthetic only")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7)
    return _png(figure)


def gains(result: dict[str, Any], metric: str) -> bytes:
    """Paired difference versus real only, per classifier and condition, with 95% intervals."""
    rows = [
        (classifier, condition, comparison[metric])
        for classifier, entry in result["classifiers"].items()
        for condition, comparison in entry["paired_vs_real"].items()
    ]
    figure = Figure(figsize=(8, 0.45 * len(rows) + 1.2), layout="constrained")
    axis = figure.subplots()
    for i, (_, _, c) in enumerate(rows):
        mean, low, high = (100 * c[k] for k in ("mean_difference", "low", "high"))
        axis.errorbar(
            mean, i, xerr=[[mean - low], [high - mean]], fmt="o", capsize=4, color=GAIN_COLOURS[c["verdict"]]
        )
    axis.axvline(0, color="black", linewidth=0.8)
    axis.set_yticks(range(len(rows)), [f"{cl}: {co}" for cl, co, _ in rows])
    axis.invert_yaxis()
    axis.set_xlabel(f"{metric.replace('_', ' ')} versus real only, points (95% CI)")
    axis.grid(axis="x", alpha=0.3)
    return _png(figure)


def class_counts(classes: list[str], real: list[int], synthetic: list[int]) -> bytes:
    figure = Figure(figsize=(max(5, 0.55 * len(classes) + 2), 3.4), layout="constrained")
    axis = figure.subplots()
    positions = np.arange(len(classes))
    axis.bar(positions, real, label="real (training split)", color="#4c72b0")
    axis.bar(positions, synthetic, bottom=real, label="synthetic (generated)", color="#dd8452")
    axis.set_xticks(
        positions,
        classes,
        rotation=45 if len(classes) > 8 else 0,
        ha="right" if len(classes) > 8 else "center",
    )
    axis.set_ylabel("samples")
    axis.legend(fontsize=8)
    axis.grid(axis="y", alpha=0.3)
    return _png(figure)


def column_distributions(real: pd.DataFrame, synthetic: pd.DataFrame, columns: list[str]) -> bytes:
    """Small multiples: real vs synthetic histogram (numeric) or category shares (categorical)."""
    width = min(4, len(columns))
    figure = Figure(figsize=(3.2 * width, 2.6 * math.ceil(len(columns) / width)), layout="constrained")
    axes = np.atleast_1d(figure.subplots(math.ceil(len(columns) / width), width)).ravel()
    for axis, column in zip(axes, columns, strict=False):
        r, s = real[column].dropna(), synthetic[column].dropna()
        if pd.api.types.is_numeric_dtype(r) and not pd.api.types.is_bool_dtype(r):
            bins = np.histogram_bin_edges(np.concatenate([r.to_numpy(float), s.to_numpy(float)]), bins=20)
            axis.hist(r, bins=bins, density=True, alpha=0.55, label="real")
            axis.hist(s, bins=bins, density=True, alpha=0.55, label="synthetic")
        else:
            shares = pd.DataFrame(
                {
                    "real": r.astype(str).value_counts(normalize=True),
                    "synthetic": s.astype(str).value_counts(normalize=True),
                }
            ).fillna(0)
            positions = np.arange(len(shares))
            axis.bar(positions - 0.2, shares["real"], width=0.4, label="real")
            axis.bar(positions + 0.2, shares["synthetic"], width=0.4, label="synthetic")
            axis.set_xticks(positions, shares.index, rotation=45, ha="right", fontsize=7)
        axis.set_title(column, fontsize=9)
        axis.tick_params(labelsize=7)
    for axis in axes[len(columns) :]:
        axis.set_visible(False)
    axes[0].legend(fontsize=7)
    return _png(figure)


def correlation_heatmaps(real: pd.DataFrame, synthetic: pd.DataFrame, columns: list[str]) -> bytes:
    figure = Figure(figsize=(11, 4.8), layout="constrained")
    axes = figure.subplots(1, 2)
    for axis, frame, title in ((axes[0], real, "real (training split)"), (axes[1], synthetic, "synthetic")):
        image = axis.imshow(frame[columns].astype(float).corr().to_numpy(), vmin=-1, vmax=1, cmap="RdBu_r")
        axis.set_title(title)
        labels = columns if len(columns) <= 16 else [""] * len(columns)
        axis.set_xticks(range(len(columns)), labels, rotation=90, fontsize=6)
        axis.set_yticks(range(len(columns)), labels, fontsize=6)
    figure.colorbar(image, ax=axes, shrink=0.8, label="Pearson correlation")
    return _png(figure)
