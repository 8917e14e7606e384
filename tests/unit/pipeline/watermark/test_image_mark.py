import io

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from synthaug.pipeline.watermark.image_mark import SCHEME, ImageWatermark, default_block, psnr
from synthaug.pipeline.watermark.keys import WatermarkKey

KEY, OTHER = WatermarkKey(b"k" * 32), WatermarkKey(b"o" * 32)


@pytest.fixture(scope="module")
def digits():
    """The bundled digits as the pipeline ingests them: uint8 (1797, 8, 8, 1)."""
    return np.rint(load_digits().images * 255 / 16).astype(np.uint8)[..., None]


@pytest.fixture(scope="module")
def large(digits):
    """32x32 grey images (digits upsampled): big enough for the JPEG-robust block size."""
    return np.stack(
        [np.asarray(Image.fromarray(x[..., 0]).resize((32, 32), Image.BILINEAR)) for x in digits[:400]]
    )[..., None]


def png_round_trip(images):
    out = []
    for pixels in images:
        buffer = io.BytesIO()
        Image.fromarray(pixels[..., 0]).save(buffer, format="PNG")
        out.append(np.asarray(Image.open(io.BytesIO(buffer.getvalue()))))
    return np.stack(out)[..., None]


def jpeg(images, quality=75):
    out = []
    for pixels in images:
        buffer = io.BytesIO()
        Image.fromarray(pixels[..., 0]).save(buffer, format="JPEG", quality=quality)
        out.append(np.asarray(Image.open(io.BytesIO(buffer.getvalue()))))
    return np.stack(out)[..., None]


def gaussian_noise(images, rng, fraction=0.02):
    noisy = images + rng.normal(0, fraction * 255, images.shape)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def test_round_trip_on_a_set_wrong_key_and_unmarked_data(digits):
    watermark = ImageWatermark(KEY)
    marked = watermark.embed(digits[:300])
    assert marked.dtype == np.uint8 and marked.shape == (300, 8, 8, 1)
    assert watermark.detect(marked).p_value < 1e-6
    assert not watermark.detect(digits[:300]).marked
    assert not watermark.detect(digits[300:]).marked  # unmarked images it never saw
    assert not ImageWatermark(OTHER).detect(marked).marked
    restored = ImageWatermark.from_params(KEY, watermark.params(8, 8))
    assert restored.detect(marked).z == pytest.approx(watermark.detect(marked).z)


def test_parameters_are_public_and_need_only_the_key(digits):
    params = ImageWatermark(KEY).params(8, 8)
    assert params["scheme"] == SCHEME and params["key_id"] == KEY.key_id and params["block"] == 1
    assert KEY.secret.hex() not in repr(params)
    # detection needs nothing stored: a fresh watermark with the same key finds the mark
    assert ImageWatermark(KEY).detect(ImageWatermark(KEY).embed(digits[:100])).marked


def test_the_mark_is_small_and_keeps_pixels_valid(digits, large):
    for images in (digits[:200], large[:100]):
        marked = ImageWatermark(KEY).embed(images)
        shift = np.abs(marked.astype(int) - images.astype(int))
        assert shift.max() <= 7  # at most step * fraction / 2 = 6 grey levels, plus rounding
        assert psnr(images, marked) > 35


def test_colour_images_are_marked_alike_in_every_channel(large):
    rgb = np.repeat(large[:100], 3, axis=3)
    rgb[..., 0] = rgb[..., 0] // 2 + 60  # channels that differ
    marked = ImageWatermark(KEY).embed(rgb)
    assert ImageWatermark(KEY).detect(marked).p_value < 1e-6
    moved = marked.astype(int) - rgb.astype(int)
    unclipped = (rgb > 10).all(axis=3) & (rgb < 245).all(axis=3)
    assert (moved[..., 0] == moved[..., 1])[unclipped].mean() > 0.95


def test_a_single_image_is_detected_on_its_own(large, digits):
    marked = ImageWatermark(KEY).embed(large[:50])
    single = ImageWatermark(KEY).detect_each(marked)
    assert all(d.samples == 1 for d in single)
    assert np.median([d.p_value for d in single]) < 1e-3
    assert ImageWatermark(KEY).detect(marked[:1]).z == pytest.approx(single[0].z)
    unmarked = ImageWatermark(KEY).detect_each(digits[:200])
    assert np.mean([d.marked for d in unmarked]) <= 0.02


@pytest.mark.parametrize(
    "attack",
    [
        pytest.param(lambda x, rng: png_round_trip(x), id="png-round-trip"),
        pytest.param(lambda x, rng: x[rng.permutation(len(x))[: len(x) // 2]], id="random-half"),
        pytest.param(lambda x, rng: gaussian_noise(x, rng), id="noise-2pct"),
    ],
)
def test_tiny_images_survive_the_attacks(digits, attack):
    rng = np.random.default_rng(1)
    watermark = ImageWatermark(KEY)
    marked = watermark.embed(digits[:500])
    assert watermark.detect(attack(marked, rng)).p_value < 1e-3


def test_images_from_28_pixels_survive_jpeg_75(large):
    assert default_block(32, 32) == 4 and default_block(8, 8) == 1
    watermark = ImageWatermark(KEY)
    marked = watermark.embed(large[:200])
    assert watermark.detect(jpeg(marked)).p_value < 1e-3
    assert not watermark.detect(jpeg(large[200:400])).marked


def test_the_null_holds_for_constant_and_repeated_images():
    """Identical images share every phase: the test must not mistake that for a mark."""
    rng = np.random.default_rng(2)
    for images in (
        np.zeros((200, 8, 8, 1), np.uint8),
        np.full((200, 32, 32, 3), 128, np.uint8),
        np.repeat(rng.integers(0, 256, (1, 8, 8, 1), dtype=np.uint8), 300, axis=0),
    ):
        for seed in range(20):
            assert not ImageWatermark(WatermarkKey(bytes([seed]) * 32)).detect(images).marked


def test_false_positive_rate_over_many_keys_stays_at_the_threshold(digits):
    marked = ImageWatermark(KEY).embed(digits[:200])
    p_values = [ImageWatermark(WatermarkKey(bytes([i, 7]) * 16)).detect(marked).p_value for i in range(200)]
    assert np.mean(np.array(p_values) < 1e-3) <= 0.005


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="uint8 images"):
        ImageWatermark(KEY).embed(np.zeros((2, 8, 8), np.uint8))
    with pytest.raises(ValueError, match="invalid image watermark settings"):
        ImageWatermark(KEY, fraction=0)
