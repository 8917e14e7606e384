"""The image watermark against its targets: detection, false positives, attacks, PSNR, downstream cost.

    python -m benchmarks.watermark_images [--wrong-keys 1000] [--resamples 20]

Carriers: 500 bundled digits (8x8 grey, from the non-test part of the demo split); the same
upsampled to 32x32 (the JPEG-robust block size starts at 28 px); 500 random 64x64 colour crops
of scikit-learn's two bundled photographs. Attacks: PNG round trip, a random 50% subset, Gaussian
noise of 2% of the range, JPEG quality 75 (images >= 28 px). False positives: unmarked images
tested with the key (as sets and one by one), and the marked digits tested with ``--wrong-keys``
other keys. Downstream cost: the balanced accuracy on the real held-out test split of a
standardised logistic regression trained on 500 marked vs the same 500 unmarked digits, over
``--resamples`` resamples (mean difference and a 95% t-interval, in points).
"""

from __future__ import annotations

import argparse
import io
import secrets

import numpy as np
from PIL import Image
from sklearn.datasets import load_sample_images
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from benchmarks.common import digits_splits, paired_difference, write_result
from synthaug.pipeline.watermark.detection import DEFAULT_THRESHOLD
from synthaug.pipeline.watermark.image_mark import ImageWatermark, psnr
from synthaug.pipeline.watermark.keys import WatermarkKey

IMAGES = 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wrong-keys", type=int, default=1000)
    parser.add_argument("--resamples", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    data, train, test = digits_splits()
    pool = data.features[train.pool_indices]  # never the held-out test images
    digits = pool[rng.choice(len(pool), IMAGES, replace=False)]
    carriers = {
        "digits_8x8_grey": digits,
        "digits_32x32_grey": upsample(digits, 32),
        "photo_crops_64x64_rgb": photo_crops(rng, IMAGES, 64),
    }
    key = WatermarkKey(secrets.token_bytes(32))
    watermark = ImageWatermark(key)
    results, marked_sets = {}, {}
    for name, images in carriers.items():
        marked = marked_sets[name] = watermark.embed(images)
        attacks = {
            "none": marked,
            "png_round_trip": png_round_trip(marked),
            "random_half": marked[rng.permutation(len(marked))[: len(marked) // 2]],
            "gaussian_noise_2pct": gaussian_noise(marked, rng),
        }
        if min(images.shape[1:3]) >= 28:
            attacks["jpeg_75"] = jpeg(marked, 75)
        single = watermark.detect_each(marked)
        results[name] = {
            "shape": list(images.shape[1:]),
            "psnr_db": round(psnr(images, marked), 2),
            "max_pixel_change": int(np.abs(marked.astype(int) - images.astype(int)).max()),
            "detection": {attack: summary(watermark.detect(x).to_dict()) for attack, x in attacks.items()},
            "single_image": {
                "median_p_value": float(np.median([d.p_value for d in single])),
                "fraction_detected": float(np.mean([d.marked for d in single])),
            },
        }
    test_images = data.features[test.indices]
    unmarked_each = [d.marked for d in watermark.detect_each(data.features)]
    photos = photo_crops(np.random.default_rng(1), IMAGES, 64)
    wrong = np.array(
        [
            ImageWatermark(WatermarkKey(secrets.token_bytes(32)))
            .detect(marked_sets["digits_8x8_grey"])
            .p_value
            for _ in range(args.wrong_keys)
        ]
    )
    write_result(
        "watermark_images",
        {
            "carriers": results,
            "false_positives": {
                "unmarked_test_digits_as_a_set": summary(watermark.detect(test_images).to_dict()),
                "unmarked_photo_crops_as_a_set": summary(watermark.detect(photos).to_dict()),
                "unmarked_digits_one_by_one": {
                    "images": len(unmarked_each),
                    "rate_at_threshold": float(np.mean(unmarked_each)),
                },
                "marked_digits_wrong_keys": {
                    "keys": args.wrong_keys,
                    "rate_at_threshold": float(np.mean(wrong < DEFAULT_THRESHOLD)),
                    "min_p_value": float(wrong.min()),
                },
            },
            "downstream_cost": downstream_cost(
                pool, data.labels[train.pool_indices], test, data, args.resamples
            ),
        },
    )


def downstream_cost(pool, pool_labels, test, data, resamples: int) -> dict:
    """Balanced accuracy (points) unmarked minus marked, same 500 images, over resamples."""
    x_test = data.features[test.indices].reshape(len(test.indices), -1) / 255.0
    y_test = data.labels[test.indices]
    differences, unmarked_scores = [], []
    for seed in range(resamples):
        pick = np.random.default_rng(100 + seed).choice(len(pool), IMAGES, replace=False)
        images, labels = pool[pick], pool_labels[pick]
        marked = ImageWatermark(WatermarkKey(secrets.token_bytes(32))).embed(images)
        scores = []
        for train_images in (images, marked):
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
            model.fit(train_images.reshape(len(train_images), -1) / 255.0, labels)
            scores.append(100 * balanced_accuracy_score(y_test, model.predict(x_test)))
        unmarked_scores.append(scores[0])
        differences.append(scores[0] - scores[1])
    return {
        "classifier": "standardised logistic regression on pixels",
        **paired_difference(differences, unmarked_scores),
    }


def summary(detection: dict) -> dict:
    return {k: (round(v, 3) if isinstance(v, float) and k != "p_value" else v) for k, v in detection.items()}


def upsample(images: np.ndarray, size: int) -> np.ndarray:
    resized = [np.asarray(Image.fromarray(x[..., 0]).resize((size, size), Image.BILINEAR)) for x in images]
    return np.stack(resized)[..., None]


def photo_crops(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    photos = load_sample_images().images
    crops = []
    for _ in range(n):
        photo = photos[rng.integers(len(photos))]
        y, x = rng.integers(0, photo.shape[0] - size), rng.integers(0, photo.shape[1] - size)
        crops.append(photo[y : y + size, x : x + size])
    return np.stack(crops).astype(np.uint8)


def png_round_trip(images: np.ndarray) -> np.ndarray:
    return _encode(images, format="PNG")


def jpeg(images: np.ndarray, quality: int) -> np.ndarray:
    return _encode(images, format="JPEG", quality=quality)


def _encode(images: np.ndarray, **options) -> np.ndarray:
    out = []
    for pixels in images:
        buffer = io.BytesIO()
        Image.fromarray(pixels[..., 0] if pixels.shape[2] == 1 else pixels).save(buffer, **options)
        decoded = np.asarray(Image.open(io.BytesIO(buffer.getvalue())))
        out.append(decoded[..., None] if decoded.ndim == 2 else decoded)
    return np.stack(out)


def gaussian_noise(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.clip(np.rint(images + rng.normal(0, 0.02 * 255, images.shape)), 0, 255).astype(np.uint8)


if __name__ == "__main__":
    main()
