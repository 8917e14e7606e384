"""The amount added on top of the classic baseline: on images, with the CNN's augmentation on; on
tables, on top of the very SMOTE rows the chosen SMOTE amount adds, shared by the class counts after
them."""

from typing import ClassVar

import numpy as np
import pytest

from synthaug.evaluation.gain import REAL_CLASSIC, REAL_CLASSIC_SYNTHETIC, REAL_SYNTHETIC, run_protocol
from synthaug.evaluation.samples import RAREST_FIRST, extra_counts
from synthaug.evaluation.selection import ProtocolSettings
from tests.unit.evaluation.stand_ins import blobs, helps_only, marked_images


@pytest.mark.parametrize("with_classic", [True, False])
def test_images_choose_the_amount_on_top_of_the_classic_augmentation_with_it_on(with_classic):
    """Samples that help only a CNN trained with the classic augmentation are added to
    real+classic+synthetic and not to real+synthetic, and the other way round."""
    real, test = marked_images(24, synthetic=False), marked_images(40, synthetic=False, offset=1)
    pool = marked_images(200, synthetic=True)
    settings = ProtocolSettings(seeds=2, folds=3, amounts=(0.0, 1.0, 2.0), filtering=False, replicates=200)
    result = run_protocol(
        real=real,
        synthetic=pool,
        test=test,
        classifiers={"cnn": helps_only(with_classic)},
        kind="image",
        settings=settings,
    )["classifiers"]["cnn"]
    on_classic, plain_amount = (
        result["selection"]["classic+synthetic"]["amount"],
        result["selection"]["synthetic"]["amount"],
    )
    scores = {c: v["balanced_accuracy"]["mean"] for c, v in result["conditions"].items()}
    if with_classic:
        assert (on_classic, plain_amount) == (1.0, 0.0)
        assert scores["real+classic+synthetic"] == 1.0 and scores["real+synthetic"] == 0.5
        assert result["recommendation"]["option"] == "classic+synthetic"
    else:
        assert (on_classic, plain_amount) == (0.0, 1.0)
        assert scores["real+classic+synthetic"] == 0.5 and scores["real+synthetic"] == 1.0
        assert result["recommendation"]["option"] == "synthetic"


class SmoteAndSynthetic:
    """A stand-in classifier for tables: trained with synthetic rows (``row_id`` from 1000) and
    SMOTE rows (fractional ``row_id``, interpolated between real rows), or with synthetic rows and
    no SMOTE rows when ``needs_smote`` is False, it reads the label off ``truth``; with SMOTE rows
    alone (and ``needs_smote``), on half the rows only (``row_id`` 0 or 1 modulo 4); else it always
    says class 0."""

    fits: ClassVar[list[set[float]]] = []
    needs_smote = True

    def __init__(self, seed: int):
        self.level = 0

    def fit(self, x, y, sample_weight=None):
        ids = x["row_id"].to_numpy()
        smote, synthetic = bool((ids % 1 != 0).any()), bool((ids >= 1000).any())
        self.level = 2 if synthetic and smote == self.needs_smote else int(smote and self.needs_smote)
        SmoteAndSynthetic.fits.append(set(ids))
        return self

    def predict_proba(self, x):
        truth = x["truth"].to_numpy().astype(int)
        half = x["row_id"].to_numpy() % 4 < 2
        label = truth if self.level == 2 else np.where(half, truth, 0) if self.level else 0 * truth
        return np.eye(2)[label]


def run_stand_in(
    needs_smote: bool,
    *,
    imbalanced: bool = False,
    weights: tuple[float, ...] = (1.0,),
    pool_counts: tuple[int, int] = (100, 100),
    whole: bool = False,
    classic: bool = True,
) -> dict:
    rng = np.random.default_rng(5)
    real, test, pool = blobs(24, rng), blobs(40, rng, offset=5000), blobs(200, rng, offset=1000)
    if imbalanced:  # 12 rows of class 0, 6 of class 1
        real = real.subset(np.r_[np.flatnonzero(real.y == 0), np.flatnonzero(real.y == 1)[:6]])
    pool = pool.subset(
        np.r_[np.flatnonzero(pool.y == 0)[: pool_counts[0]], np.flatnonzero(pool.y == 1)[: pool_counts[1]]]
    )
    for part in (real, test, pool):
        part.x["truth"] = part.y
    SmoteAndSynthetic.fits, SmoteAndSynthetic.needs_smote = [], needs_smote
    settings = ProtocolSettings(
        seeds=2,
        folds=3,
        amounts=(0.0, 1.0),
        filtering=False,
        replicates=200,
        weights=weights,
        classic=classic,
    )
    result = run_protocol(
        real=real,
        synthetic=pool,
        test=test,
        classifiers={"stand-in": lambda seed, classic: SmoteAndSynthetic(seed)},
        kind="tabular",
        settings=settings,
    )
    return result if whole else result["classifiers"]["stand-in"]


def smote_rows(ids: set[float]) -> frozenset[float]:
    return frozenset(i for i in ids if i % 1 != 0)


def test_tables_choose_the_amount_on_top_of_the_chosen_smote_rows_with_them():
    """Synthetic rows that help only together with SMOTE's are added to real+classic+synthetic
    (on top of the very SMOTE rows real+classic trains on) and not to real+synthetic."""
    result = run_stand_in(needs_smote=True)
    selection = result["selection"]
    assert (selection["classic"]["amount"], selection["synthetic"]["amount"]) == (1.0, 0.0)
    assert selection["classic+synthetic"]["amount"] == 1.0
    scores = {c: v["balanced_accuracy"]["mean"] for c, v in result["conditions"].items()}
    assert scores[REAL_CLASSIC_SYNTHETIC] == 1.0 and scores[REAL_SYNTHETIC] == 0.5
    assert 0.5 < scores[REAL_CLASSIC] < 1.0
    assert result["recommendation"]["option"] == "classic+synthetic"
    # selection: 3 folds x 2 candidates each for synthetic, SMOTE and on top of SMOTE; on top,
    # every candidate's fold holds the rows the chosen SMOTE candidate (1x) added in that fold
    classic = [smote_rows(ids) for ids in SmoteAndSynthetic.fits[6:12]]
    on_top = [smote_rows(ids) for ids in SmoteAndSynthetic.fits[12:18]]
    assert classic[:3] == [frozenset()] * 3 and all(classic[3:])  # x0, then x1
    assert on_top == classic[3:] * 2  # x0 and x1, fold by fold
    # phase 2, per seed: real+classic's SMOTE rows are exactly those of real+classic+synthetic
    final = [ids for ids in SmoteAndSynthetic.fits[18:] if min(ids) < 1000]
    with_both = [ids for ids in final if max(ids) >= 1000 and smote_rows(ids)]
    assert len(with_both) == 2  # one per seed
    for ids in with_both:
        assert sum(smote_rows(ids) == smote_rows(other) for other in final) == 2  # and real+classic's
        assert len([i for i in ids if i >= 1000]) == 24  # 1x the real rows, as the CV chose


def test_synthetic_rows_on_top_of_smote_are_shared_by_the_counts_after_the_smote_rows():
    """On an imbalanced table, 1x SMOTE (rarest-first) levels the classes; 1x synthetic rows on
    top of them then go to both classes evenly, in the CV folds and in the final condition, not to
    the real minority class a second time (as real+synthetic's 1x would)."""
    result = run_stand_in(needs_smote=True, imbalanced=True)
    selection = result["selection"]
    assert (selection["classic"]["amount"], selection["classic+synthetic"]["amount"]) == (1.0, 1.0)
    synthetic_labels = on_top_labels()
    assert len(synthetic_labels) == 3 + 2  # the 1x candidate in 3 folds, then one per seed
    for labels in synthetic_labels[:3]:  # a fold's 12 training rows: 8 + 4, levelled at 12 + 12
        assert labels.tolist() == [6, 6]
    for labels in synthetic_labels[3:]:  # 18 real rows, levelled at 18 + 18 by SMOTE
        assert labels.tolist() == [9, 9]
    assert extra_counts(np.array([12, 6]), 1.0, RAREST_FIRST).tolist() == [6, 12]  # not this


def on_top_labels() -> list[np.ndarray]:
    """(classes,) the synthetic rows of each stand-in fit that had SMOTE rows too, by class."""
    return [
        np.bincount((np.array(sorted(i for i in ids if i >= 1000)) - 1000).astype(int) % 2, minlength=2)
        for ids in SmoteAndSynthetic.fits
        if smote_rows(ids) and max(ids) >= 1000
    ]


def test_smote_rows_count_by_their_weight_when_synthetic_rows_are_shared_on_top():
    """At weight 0.5, 1x SMOTE rows fill half the gap: a fold of 8 + 4 rows then holds 10 + 8, so
    12 synthetic rows end both classes at 15; the 12 + 6 real rows hold 15 + 12, so 18 end at 22.5."""
    selection = run_stand_in(needs_smote=True, imbalanced=True, weights=(0.5,))["selection"]
    assert (selection["classic"]["amount"], selection["classic"]["weight"]) == (1.0, 0.5)
    assert (selection["classic+synthetic"]["amount"], selection["classic+synthetic"]["weight"]) == (1.0, 0.5)
    labels = [counts.tolist() for counts in on_top_labels()]
    assert labels == [[5, 7]] * 3 + [[8, 10]] * 2  # 7.5 and 10.5 rounded to even


@pytest.mark.parametrize(
    ("pool_counts", "alone", "on_top"),
    [((9, 9), False, True), ((6, 12), True, False)],
)
def test_on_top_candidates_are_checked_against_the_counts_after_smote(pool_counts, alone, on_top):
    """1x alone adds 6 + 12 to 12 + 6 real rows; on top of 1x SMOTE rows (18 + 18) it adds 9 + 9.
    Each choice tries 1x when the pool holds what 1x adds there, and an amount either choice could
    not try is named."""
    result = run_stand_in(needs_smote=True, imbalanced=True, pool_counts=pool_counts, whole=True)
    selection = result["classifiers"]["stand-in"]["selection"]
    assert selection["classic"]["amount"] == 1.0
    assert ("x1" in selection["synthetic"]["cv_balanced_accuracy"]) == alone
    assert ("x1" in selection["classic+synthetic"]["cv_balanced_accuracy"]) == on_top
    assert result["untested_amounts"] == [1.0] and "the amounts 1x could not be tried" in result["caveat"]


def test_tables_without_smote_rows_take_real_synthetics_choice_and_training_set_on_top():
    """When the chosen SMOTE amount is 0, real+classic+synthetic is real+synthetic: no second
    inner CV, the same rows, so the verdict gets no second try at the same comparison."""
    result = run_stand_in(needs_smote=False)
    selection = result["selection"]
    assert (selection["classic"]["amount"], selection["synthetic"]["amount"]) == (0.0, 1.0)
    assert selection["classic+synthetic"] == selection["synthetic"]
    assert (
        len(SmoteAndSynthetic.fits) == 3 * 2 * 2 + 2 * 5
    )  # two CVs of 2 candidates (no third), 5 conditions
    final = [ids for ids in SmoteAndSynthetic.fits[12:] if min(ids) < 1000 and max(ids) >= 1000]
    assert len(final) == 4 and final[0] == final[1] and final[2] == final[3]  # per seed, twice the same
    scores = {c: v["balanced_accuracy"]["mean"] for c, v in result["conditions"].items()}
    assert scores[REAL_CLASSIC_SYNTHETIC] == scores[REAL_SYNTHETIC] == 1.0
    assert result["recommendation"]["option"] == "synthetic"
