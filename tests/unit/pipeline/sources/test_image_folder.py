import numpy as np
import pytest
from PIL import Image

from synthaug.pipeline.config import DatasetConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.sources import load_dataset


def save(path, size=(16, 16), mode="L", value=128):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, value if mode == "L" else (value, 0, 255 - value)).save(path)


def load(root, **image):
    return load_dataset(DatasetConfig(source=str(root), image=image))


def test_class_folders_become_sorted_classes(tmp_path):
    for name, value in (("cat/a.png", 10), ("cat/b.jpg", 20), ("dog/c.bmp", 30), ("dog/sub/d.png", 40)):
        save(tmp_path / name, value=value)
    data = load(tmp_path)
    assert data.classes == ("cat", "dog")
    assert data.labels.tolist() == [0, 0, 1, 1]
    assert data.features.shape == (4, 16, 16, 1) and data.features.dtype == np.uint8
    assert data.features[0, 0, 0, 0] == 10 and data.features[3, 0, 0, 0] == 40
    assert data.source.format == "image-folder" and len(data.source.sha256) == 64


def test_hidden_and_non_image_files_are_skipped(tmp_path, caplog):
    save(tmp_path / "a/1.png")
    save(tmp_path / "b/2.png")
    (tmp_path / "a/notes.txt").write_text("hello")
    (tmp_path / "a/.DS_Store").write_bytes(b"\0\1")
    data = load(tmp_path)
    assert len(data) == 2
    assert "skipped 1 files" in caplog.text and "a/notes.txt" in caplog.text


@pytest.mark.parametrize(
    ("policy", "expected_corner"),
    [("center-crop", 255), ("pad", 0), ("stretch", 255)],
)
def test_resize_policies(tmp_path, policy, expected_corner):
    # a 32x16 white image: center-crop fills the square, pad leaves black bars, stretch fills it
    for name in ("a/1.png", "b/2.png"):
        save(tmp_path / name, size=(32, 16), value=255)
    data = load(tmp_path, size=8, resize=policy)
    assert data.features.shape == (2, 8, 8, 1)
    assert data.features[0, 0, 0, 0] == expected_corner
    assert data.schema.resize_policy == policy


def test_channels_can_be_forced(tmp_path):
    save(tmp_path / "a/1.png", mode="L")
    save(tmp_path / "b/2.png", mode="RGB")
    rgb = load(tmp_path, channels=3)
    assert rgb.features.shape == (2, 16, 16, 3)
    gray = load(tmp_path, channels=1)
    assert gray.features.shape == (2, 16, 16, 1)


def test_rgba_and_16_bit_images_are_read(tmp_path):
    Image.new("RGBA", (16, 16), (200, 100, 50, 10)).save(tmp_path / "x.png")
    (tmp_path / "a").mkdir()
    (tmp_path / "x.png").rename(tmp_path / "a/1.png")
    save(tmp_path / "b/2.png", mode="RGB")
    data = load(tmp_path)
    assert data.features.shape == (2, 16, 16, 3)
    assert data.features[0, 0, 0].tolist() == [200, 100, 50]  # alpha dropped


def test_mixed_sizes_need_a_size(tmp_path):
    save(tmp_path / "a/1.png", size=(16, 16))
    save(tmp_path / "b/2.png", size=(20, 20))
    with pytest.raises(UserInputError, match="images differ in size.*dataset.image.size"):
        load(tmp_path)
    assert load(tmp_path, size=16).features.shape == (2, 16, 16, 1)


def test_sizes_outside_the_generator_range_need_a_size(tmp_path):
    save(tmp_path / "a/1.png", size=(200, 200))
    save(tmp_path / "b/2.png", size=(200, 200))
    with pytest.raises(UserInputError, match="200x200.*8 to 128 pixels"):
        load(tmp_path)


def test_links_inside_the_folder_are_followed(tmp_path):
    save(tmp_path / "a/1.png")
    save(tmp_path / "b/2.png")
    (tmp_path / "a/link.png").symlink_to(tmp_path / "b/2.png")
    assert len(load(tmp_path)) == 3


def test_an_empty_class_folder_is_named(tmp_path):
    save(tmp_path / "a/1.png")
    (tmp_path / "b").mkdir()
    with pytest.raises(UserInputError, match="class folder 'b' holds no images"):
        load(tmp_path)
