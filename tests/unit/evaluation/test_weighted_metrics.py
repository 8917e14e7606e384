"""The weighted metrics equal scikit-learn's (downstream_metrics.py) on the rows they stand for."""

import numpy as np
import pytest

from synthaug.evaluation.downstream_metrics import score
from synthaug.evaluation.weighted_metrics import weighted_scores


@pytest.mark.parametrize(("n_classes", "rows"), [(2, 171), (3, 50), (10, 300)])
def test_unit_and_integer_weights_match_scikit_learn_on_the_repeated_rows(n_classes, rows):
    rng = np.random.default_rng(n_classes)
    y = rng.integers(0, n_classes, rows)
    y[:n_classes] = np.arange(n_classes)
    proba = rng.random((3, rows, n_classes))
    proba[0] = 1 / n_classes  # every score tied
    proba[1] = np.round(proba[1], 1)  # some ties
    counts = rng.integers(0, 3, rows)
    counts[:n_classes] = 1  # every class stays present
    weights = np.stack([np.ones(rows), counts])
    values = weighted_scores(y, proba, weights)
    repeated = np.repeat(np.arange(rows), counts)
    for seed in range(3):
        expected_all = score(y, proba[seed], n_classes)
        expected_repeated = score(y[repeated], proba[seed][repeated], n_classes)
        for metric, table in values.items():
            assert table.shape == (2, 3)
            assert table[0, seed] == pytest.approx(expected_all[metric], abs=1e-12)
            assert table[1, seed] == pytest.approx(expected_repeated[metric], abs=1e-12)


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match="shapes do not match"):
        weighted_scores(np.zeros(4, int), np.zeros((1, 5, 2)), np.ones((1, 4)))
