import numpy as np
import pytest

from synthaug.pipeline.config import DatasetConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.sources import load_dataset


def load(path, **image):
    return load_dataset(DatasetConfig(source=str(path), image=image))


@pytest.mark.parametrize(
    ("shape", "channels"),
    [((6, 8, 8), 1), ((6, 8, 8, 1), 1), ((6, 8, 8, 3), 3), ((6, 3, 8, 8), 3), ((6, 1, 8, 8), 1)],
)
def test_layouts_are_brought_to_nhwc(tmp_path, shape, channels):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.zeros(shape, np.uint8), y=np.array([0, 1] * 3))
    data = load(path)
    assert data.features.shape == (6, 8, 8, channels)


def test_float_images_in_unit_range_are_scaled(tmp_path):
    path = tmp_path / "d.npz"
    x = np.full((4, 8, 8), 0.5, np.float32)
    np.savez(path, x=x, y=np.array(["cat", "dog", "cat", "dog"]))
    data = load(path)
    assert data.features.max() == 128
    assert data.classes == ("cat", "dog") and data.labels.tolist() == [0, 1, 0, 1]


def test_class_names_array_is_used(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.zeros((4, 8, 8), np.uint8), y=np.array([1, 0, 1, 0]), classes=np.array(["no", "yes"]))
    data = load(path)
    assert data.classes == ("no", "yes") and data.labels.tolist() == [1, 0, 1, 0]


def test_resizing_to_a_configured_size(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.full((4, 8, 8), 200, np.uint8), y=np.array([0, 1, 0, 1]))
    data = load(path, size=16)
    assert data.features.shape == (4, 16, 16, 1) and int(data.features.min()) >= 195


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (np.zeros((4, 8), np.uint8), r"'x' has shape \(4, 8\)"),
        (np.full((4, 8, 8), 300, np.int32), "outside 0..255"),
        (np.full((4, 8, 8), np.nan), "NaN"),
        (np.full((4, 8, 8), -1.0), "expected"),
    ],
)
def test_unusable_image_arrays(tmp_path, x, message):
    path = tmp_path / "d.npz"
    np.savez(path, x=x, y=np.array([0, 1, 0, 1]))
    with pytest.raises(UserInputError, match=message):
        load(path)


def test_pickled_arrays_are_refused(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.zeros((2, 8, 8), np.uint8), y=np.array([{"a": 1}, {"b": 2}], dtype=object))
    with pytest.raises(UserInputError, match="pickle"):
        load(path)
