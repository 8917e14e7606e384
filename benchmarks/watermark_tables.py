"""The table watermark against its targets: detection, false positives, attacks, downstream cost.

    python -m benchmarks.watermark_tables [--wrong-keys 1000]

On breast_cancer (the columns' full published ranges as the grid): 500 marked rows drawn from
the real training split; unmarked real rows tested with the key; the marked rows tested with
``--wrong-keys`` other keys; the marked rows after a random 50% subset, 2% Gaussian noise and
rounding to the precision the data arrived with; and the balanced accuracy of a standardised
logistic regression trained on marked vs unmarked rows, scored on the real held-out test set
(``--resamples`` resamples, a fresh key each; mean difference and 95% t-interval, in points).
"""

from __future__ import annotations

import argparse
import secrets

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from benchmarks.common import paired_difference, write_result
from synthaug.pipeline.config import DatasetConfig, SplitConfig
from synthaug.pipeline.sources import load_dataset
from synthaug.pipeline.split import split_dataset
from synthaug.pipeline.watermark.keys import WatermarkKey
from synthaug.pipeline.watermark.table_mark import ColumnCells, TableWatermark

ROWS = 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wrong-keys", type=int, default=1000)
    parser.add_argument("--resamples", type=int, default=20)
    args = parser.parse_args()
    data = load_dataset(DatasetConfig(source="bundled:breast_cancer", target="diagnosis"))
    train, test = split_dataset(data, SplitConfig(), seed=0, per_class=None)
    x_all, target = data.features, data.schema.target
    columns = [ColumnCells.for_range(c, x_all[c].min(), x_all[c].max(), integer=False) for c in x_all.columns]
    rng = np.random.default_rng(0)
    frame = train.data.to_frame()
    sample = frame.iloc[rng.integers(0, len(frame), ROWS)].reset_index(drop=True)
    features = sample.drop(columns=[target])
    watermark = TableWatermark(WatermarkKey(secrets.token_bytes(32)), columns)
    marked = watermark.embed(features)
    span = (x_all.max() - x_all.min()).to_numpy()
    decimals = {c: _decimals(x_all[c]) for c in x_all.columns}
    attacks = {
        "none": marked,
        "half_of_the_rows": marked.sample(frac=0.5, random_state=1),
        "gaussian_noise_2pct": marked + rng.normal(0, 1, marked.shape) * 0.02 * span,
        "rounded_to_source_precision": marked.round(decimals),
    }
    detection = {name: watermark.detect(f).to_dict() for name, f in attacks.items()}
    unmarked_real = watermark.detect(frame.drop(columns=[target])).to_dict()
    wrong = np.array(
        [
            TableWatermark(WatermarkKey(secrets.token_bytes(32)), columns).detect(marked).p_value
            for _ in range(args.wrong_keys)
        ]
    )
    x_test, y_test = test.data.features, test.data.labels
    differences, unmarked_scores = [], []
    for seed in range(args.resamples):
        pick = np.random.default_rng(100 + seed).integers(0, len(frame), ROWS)
        rows = frame.iloc[pick].reset_index(drop=True)
        x, y = rows.drop(columns=[target]), rows[target].astype(str).map(data.classes.index)
        key = WatermarkKey(secrets.token_bytes(32))
        scores = []
        for train_x in (x, TableWatermark(key, columns).embed(x)):
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(train_x, y)
            scores.append(100 * balanced_accuracy_score(y_test, model.predict(x_test)))
        unmarked_scores.append(scores[0])
        differences.append(scores[0] - scores[1])
    write_result(
        "watermark_tables",
        {
            "data": f"breast_cancer, {ROWS} rows resampled from the training split",
            "detection": detection,
            "unmarked_real_training_split": unmarked_real,
            "wrong_keys": {
                "keys": args.wrong_keys,
                "false_positive_rate_at_1e-3": float(np.mean(wrong < 1e-3)),
                "min_p_value": float(wrong.min()),
            },
            "max_nudge_fraction_of_range": float(((marked - features).abs().max().to_numpy() / span).max()),
            "downstream_cost": {
                "classifier": "standardised logistic regression",
                **paired_difference(differences, unmarked_scores),
            },
        },
    )


def _decimals(values) -> int:
    """Decimal places the column arrived with (at most 6)."""
    for places in range(7):
        if np.allclose(values, values.round(places), atol=1e-12, rtol=0):
            return places
    return 6


if __name__ == "__main__":
    main()
