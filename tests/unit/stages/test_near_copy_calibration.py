"""Calibrated near-copy curation: the quantile is chosen by a membership attack on folds of the
training split (stages/near_copy_calibration.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthaug.pipeline.config import CALIBRATION_FITS, NEAR_COPY_QUANTILES, SynthaugConfig
from synthaug.stages.curation import curation_text, near_copy_filter
from synthaug.stages.near_copy_calibration import (
    CANDIDATES,
    MIN_CLASS_ROWS,
    calibration_folds,
    nearest_chance,
)
from synthaug.stages.sampling import synthesizer_class
from tests.frames import train_split


def copula_config(**generation) -> SynthaugConfig:
    return SynthaugConfig.model_validate(
        {
            "dataset": {"source": "table.csv", "target": "label"},
            "training": {"synthesizer": "copula"},
            "generation": {"per_class": 40, **generation},
        }
    )


def table(rows_per_class: int = 15, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 2 * rows_per_class
    return pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "y": rng.normal(size=n),
            "z": rng.gamma(2.0, size=n),
            "label": np.repeat(["a", "b"], rows_per_class),
        }
    )


def test_the_quantile_nearest_chance_either_way_wins_and_ties_go_to_more_curation():
    assert nearest_chance({0.02: 0.66, 0.1: 0.58, 0.25: 0.37}) == 0.1
    assert nearest_chance({0.02: 0.66, 0.1: 0.45, 0.25: 0.38}) == 0.1  # 0.45 reads 0.55 the other way
    assert nearest_chance({0.05: 0.625, 0.15: 0.375}) == 0.15  # equally near: more curation
    assert nearest_chance({0.05: 0.375, 0.15: 0.625}) == 0.15


def test_folds_are_stratified_and_disjoint():
    y = np.repeat([0, 1], [15, 9])
    folds = calibration_folds(y, seed=0)
    assert len(folds) == CALIBRATION_FITS
    for fold_train, validation in folds:
        assert not set(fold_train) & set(validation)
        assert np.bincount(y[validation]).tolist() == [5, 3]
    assert sorted(np.concatenate([v for _, v in folds]).tolist()) == list(range(len(y)))


def test_a_split_with_a_rare_class_keeps_the_tables_fixed_quantile_and_says_why():
    rows = table()
    rare = pd.concat([rows[rows.label == "a"], rows[rows.label == "b"].head(MIN_CLASS_ROWS - 1)])
    curation, _ = near_copy_filter(copula_config(), train_split(rare, "label"), seed=0)
    assert curation.quantile == NEAR_COPY_QUANTILES["tabular"]
    assert curation.calibration == {
        "calibrated": False,
        "reason": f"class 'b' has {MIN_CLASS_ROWS - 1} training rows, fewer than the {MIN_CLASS_ROWS} "
        "calibration needs, so the tables' fixed quantile is used",
    }
    record = {"applied": True, "quantile": 0.25, "threshold": 0.1, "drawn": 10, "near_copies_found": 0}
    text = curation_text({**record, "near_copies_kept": 0, "calibration": curation.calibration})
    assert "within the 25% quantile (not calibrated: class 'b' has 5 training rows" in text
    enough = pd.concat([rows[rows.label == "a"], rows[rows.label == "b"].head(MIN_CLASS_ROWS)])
    assert near_copy_filter(copula_config(), train_split(enough, "label"), seed=0)[0].calibration[
        "calibrated"
    ]


def test_the_copula_calibrates_on_its_training_split_and_says_so(tmp_path):
    config = copula_config()  # auto: calibrated, for the copula
    assert config.generation.near_copy_quantile == "calibrated"
    train = train_split(table(), "label")
    curation, record = near_copy_filter(config, train, seed=0)
    assert record == {}
    calibration = curation.calibration
    assert calibration["calibrated"] and calibration["folds"] == 3
    aucs = {float(q): auc for q, auc in calibration["fold_membership_auc"].items()}
    assert sorted(aucs) == sorted(CANDIDATES) and all(0 <= auc <= 1 for auc in aucs.values())
    assert curation.quantile == nearest_chance(aucs)
    # the same split and seed choose the same way; the threshold is the chosen quantile's
    again, _ = near_copy_filter(config, train, seed=0)
    assert again.quantile == curation.quantile and again.threshold == curation.threshold
    copula = synthesizer_class("tabular-copula")(config.training, seed=0, privacy=config.privacy)
    copula.fit(train, workdir=tmp_path)
    drawn = copula.sample(40, labels=np.repeat([0, 1], 20), seed=1)
    kept, done = curation.curate(copula, drawn, seed=1, batch_size=64)
    assert done["calibration"] == calibration and done["quantile"] == curation.quantile
    assert (curation.distances(kept.features) > curation.threshold).all() or done["near_copies_kept"]
    text = curation_text(
        {
            "applied": True,
            "quantile": curation.quantile,
            "threshold": curation.threshold,
            "drawn": 80,
            "near_copies_found": 3,
            "near_copies_kept": 0,
            "calibration": calibration,
        }
    )
    assert (
        f"within the {curation.quantile:.0%} quantile (chosen from {len(CANDIDATES)} candidates on 3 folds"
        in text
    )


def test_a_set_quantile_is_used_as_given_with_the_copula():
    curation, _ = near_copy_filter(
        copula_config(near_copy_quantile=0.1), train_split(table(), "label"), seed=0
    )
    assert curation.quantile == 0.1 and curation.calibration is None


def test_calibrating_the_gan_is_refused_with_the_key_and_the_fix():
    with pytest.raises(
        ValueError, match=r"generation.near_copy_quantile: calibrated .* training.synthesizer: copula"
    ):
        SynthaugConfig.model_validate(
            {
                "dataset": {"source": "table.csv", "target": "label"},
                "generation": {"near_copy_quantile": "calibrated"},
            }
        )
    assert copula_config(near_copy_quantile="calibrated").generation.near_copy_quantile == "calibrated"
