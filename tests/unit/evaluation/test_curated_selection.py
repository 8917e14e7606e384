"""evaluation.filtering: always: every selection fold draws from the samples its own filter keeps
(judged by the fold's training rows only), and phase 2 trains on what the whole split's filter keeps."""

import numpy as np

from synthaug.evaluation.conditions import REAL_SYNTHETIC
from synthaug.evaluation.data_iq import easy_mask
from synthaug.evaluation.fits import filter_mask
from synthaug.evaluation.gain import run_protocol
from synthaug.evaluation.samples import Samples
from synthaug.evaluation.selection import ClassifierSelection, ProtocolSettings, Selection, selection_folds
from tests.unit.evaluation.stand_ins import Recorder, blobs
from tests.unit.evaluation.test_data_iq import scarce_and_mislabelled


def test_every_fold_draws_from_its_own_curated_pool_and_phase_2_from_the_curated_run_pool():
    rng = np.random.default_rng(4)
    real, test = blobs(24, rng, shift=2.5), blobs(60, rng, offset=5000, shift=2.5)
    good, bad = blobs(120, rng, offset=1000, shift=2.5), blobs(120, rng, offset=2000, shift=2.5)
    pool = good.concat(Samples(bad.x, 1 - bad.y, 2))  # half of the pool carries the wrong label
    folds = selection_folds(real.y, 2, 3)
    ids = lambda samples: set(samples.x["row_id"].astype(int))  # noqa: E731
    pool_ids = np.asarray(pool.x["row_id"], dtype=int)
    kept = {  # the real rows a filter is judged by -> the pool rows it keeps
        frozenset(ids(real.subset(train))): set(pool_ids[easy_mask(real.subset(train), pool, 0.8)])
        for train, _ in folds
    }
    kept[frozenset(ids(real))] = set(pool_ids[easy_mask(real, pool, 0.8)])
    assert all(0 < len(k) < len(pool) for k in kept.values())
    Recorder.log = []
    result = run_protocol(
        real=real,
        synthetic=pool,
        test=test,
        classifiers={"recorder": lambda seed, classic: Recorder(seed)},
        kind="tabular",
        settings=ProtocolSettings(
            seeds=2, amounts=(0.0, 1.0, 2.0), filtering="always", filter_rule="data-iq", rule="best"
        ),
    )
    fits = [rows for kind, rows in Recorder.log if kind == "fit"]
    # real + synthetic rows (synthetic-only trains on a resample of the whole pool, as always)
    with_pool = [rows for rows in fits if any(r < 1000 for r in rows) and any(1000 <= r < 5000 for r in rows)]
    assert len(with_pool) >= 3  # the folds' candidates that added synthetic rows
    for rows in with_pool:
        real_part = frozenset(r for r in rows if r < 1000)
        assert {r for r in rows if r >= 1000} <= kept[real_part]
    selection = result["classifiers"]["recorder"]["selection"]["synthetic"]
    assert "x1+filter" not in selection["cv_balanced_accuracy"]  # not tried again on top
    assert selection["filtered"] == (selection["amount"] > 0)
    assert result["settings"]["filtering_evaluated"] == "always"
    assert REAL_SYNTHETIC in result["classifiers"]["recorder"]["conditions"]


def test_a_curated_selection_keeps_its_key_and_reads_back():
    curated = Selection(2.0, True, {"x0": 0.8, "x2@w0.5": 0.9}, "one-se", 0.5, curated=True)
    assert curated.key == "x2@w0.5"  # its CV score is under the candidate's own key
    assert Selection(2.0, True, {}, "one-se", 0.5).key == "x2@w0.5+filter"  # tried on top
    chosen = ClassifierSelection({"synthetic": curated}, np.array([True, False]))
    again = ClassifierSelection.from_dict(chosen.to_dict())
    assert again.curated and again.selections["synthetic"] == curated
    assert not ClassifierSelection.from_dict(  # results written before curation read as not curated
        {"selection": {"synthetic": {"amount": 1.0, "filtered": False, "cv_balanced_accuracy": {}}}}
    ).curated


def test_each_scores_every_amount_unfiltered_and_filtered_and_trains_on_the_kept_samples():
    # a third of the pool are rows of class 0 labelled 1, which the filter should drop
    real, test, pool = scarce_and_mislabelled(np.random.default_rng(5), 400, one_way=True)
    ids = lambda samples: set(samples.x["row_id"].astype(int))  # noqa: E731
    make = lambda seed, classic: Recorder(seed)  # noqa: E731
    Recorder.log = []
    result = run_protocol(
        real=real,
        synthetic=pool,
        test=test,
        classifiers={"recorder": make},
        kind="tabular",
        settings=ProtocolSettings(
            seeds=2, amounts=(0.0, 2.0, 4.0), filtering="each", filter_confidence=0.6, rule="best"
        ),
    )
    log = list(Recorder.log)
    selection = result["classifiers"]["recorder"]["selection"]["synthetic"]
    assert set(selection["cv_balanced_accuracy"]) == {"x0", "x2", "x4", "x2+filter", "x4+filter"}
    assert selection["filtered"] and selection["amount"] == 4.0  # the best CV score
    kept = set(np.asarray(pool.x["row_id"], dtype=int)[filter_mask(real, pool, make, 0.6)])
    assert 0 < len(kept) < len(pool)
    first_test = next(i for i, (_, rows) in enumerate(log) if rows & ids(test))
    phase_2 = [rows for kind, rows in log[first_test:] if kind == "fit"]
    with_synthetic = [rows - ids(real) for rows in phase_2 if rows & ids(real) and rows - ids(real)]
    assert with_synthetic and all(rows <= kept for rows in with_synthetic)
