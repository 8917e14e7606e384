"""A folder of class sub-folders of images: ``root/<class>/<image>.png``.

Sub-folders are the classes (sorted by name). PNG, JPEG and BMP files are read with Pillow;
hidden files are ignored and other files are skipped with a warning. Symbolic links are
followed only when they stay inside the folder.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from synthaug.pipeline.config import ImageOptions
from synthaug.pipeline.dataset import Dataset, SourceInfo
from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.files import require_regular, sha256_tree
from synthaug.pipeline.progress import QUIET_SECONDS, Progress
from synthaug.pipeline.schema import ImageSchema
from synthaug.pipeline.sources.image_shape import choose_channels, choose_size, mode_channels, to_pixels

log = logging.getLogger(__name__)
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp"})


def read_image_folder(root: Path, options: ImageOptions) -> Dataset:
    if not root.exists():
        raise UserInputError(
            "image folder not found",
            where=root,
            hint="Check dataset.source (relative paths are relative to the config file).",
        )
    if not root.is_dir():
        raise UserInputError("expected a folder of class sub-folders", where=root)
    files = list_class_images(root)
    headers = {path: _open_header(path, root, options) for _, path in files}
    by_channels: dict[int, list[str]] = {}
    by_size: dict[tuple[int, int], str] = {}
    for path, (mode, size) in headers.items():
        by_channels.setdefault(mode_channels(mode), []).append(_rel(path, root))
        by_size.setdefault(size, _rel(path, root))
    channels = choose_channels(by_channels, options, where=str(root))
    side = choose_size(by_size, options, where=str(root))
    classes = tuple(sorted({label for label, _ in files}))
    pixels = np.empty((len(files), side, side, channels), dtype=np.uint8)
    labels = np.empty(len(files), dtype=np.int64)
    reading = Progress(
        "reading images", total=len(files), unit="images", logger=log, quiet_seconds=QUIET_SECONDS
    )
    with reading:
        for i, (label, path) in enumerate(files):
            with _open_image(path, root, options) as image:
                try:
                    image.load()
                except (OSError, SyntaxError, ValueError) as exc:
                    raise _corrupt(path, root, exc) from None
                pixels[i] = to_pixels(image, channels=channels, size=side, policy=options.resize)
            labels[i] = classes.index(label)
            reading.advance()
    schema = ImageSchema(side, side, channels, resize_policy=options.resize if options.size else "none")
    source = SourceInfo(
        uri=str(root),
        format="image-folder",
        sha256=sha256_tree(root, [p for _, p in files]),
        details={"files": len(files)},
    )
    return Dataset(pixels, labels, classes, schema, source)


def list_class_images(root: Path) -> list[tuple[str, Path]]:
    """(class name, image path) pairs, refusing links that leave the folder."""
    real_root = root.resolve()
    class_dirs = []
    top_images = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        _refuse_escaping_link(entry, real_root, root)
        if entry.is_dir():
            class_dirs.append(entry)
        elif entry.suffix.lower() in IMAGE_EXTENSIONS:
            top_images.append(entry)
    if not class_dirs:
        found = f" (found {len(top_images)} images at the top level)" if top_images else ""
        raise UserInputError(
            f"no class sub-folders{found}",
            where=root,
            hint="Put each class's images in its own sub-folder: <folder>/<class name>/<image>.png.",
        )
    pairs: list[tuple[str, Path]] = []
    skipped: list[str] = []
    for class_dir in class_dirs:
        found_any = False
        for folder, dirnames, filenames in os.walk(class_dir):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in dirnames:
                _refuse_escaping_link(Path(folder) / name, real_root, root)
            for name in sorted(filenames):
                path = Path(folder) / name
                if name.startswith("."):
                    continue
                _refuse_escaping_link(path, real_root, root)
                if path.suffix.lower() in IMAGE_EXTENSIONS:
                    require_regular(path, what=f"image '{_rel(path, root)}'", where=root)
                    pairs.append((class_dir.name, path))
                    found_any = True
                else:
                    skipped.append(_rel(path, root))
        if not found_any:
            raise UserInputError(
                f"class folder '{class_dir.name}' holds no images (PNG, JPEG or BMP)",
                where=root,
                hint="Add images to it or remove the folder.",
            )
    if skipped:
        log.warning("skipped %d files that are not PNG/JPEG/BMP images, e.g. %s", len(skipped), skipped[0])
    if top_images:
        log.warning("ignored %d images at the top level of %s (not in a class folder)", len(top_images), root)
    return pairs


def _refuse_escaping_link(path: Path, real_root: Path, root: Path) -> None:
    if not path.is_symlink():
        return
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # a loop, or a link to nothing
        raise UserInputError(
            f"symbolic link '{_rel(path, root)}' cannot be followed ({exc})",
            where=root,
            hint="Remove the link, or replace it with the file it should point at.",
        ) from None
    if not target.is_relative_to(real_root):
        raise UserInputError(
            f"symbolic link '{_rel(path, root)}' points outside the image folder (to {target}); refused",
            where=root,
            hint="Copy the file into the folder instead of linking to it.",
        )


def _open_image(path: Path, root: Path, options: ImageOptions) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except Image.DecompressionBombError:
        raise _too_large(path, root, options, None) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _corrupt(path, root, exc) from None
    width, height = image.size
    if width * height > options.max_pixels:
        image.close()
        raise _too_large(path, root, options, (width, height))
    return image


def _open_header(path: Path, root: Path, options: ImageOptions) -> tuple[str, tuple[int, int]]:
    with _open_image(path, root, options) as image:
        return image.mode, image.size


def _too_large(path: Path, root: Path, options: ImageOptions, size: tuple[int, int] | None) -> UserInputError:
    dims = f"{size[0]}x{size[1]} = {size[0] * size[1]:,} pixels" if size else "larger than Pillow will open"
    return UserInputError(
        f"image '{_rel(path, root)}' is {dims}, over the limit of {options.max_pixels:,} "
        "(a guard against decompression bombs)",
        where=root,
        hint="Remove or downscale the image, or raise dataset.image.max_pixels if you trust it.",
    )


def _corrupt(path: Path, root: Path, exc: BaseException) -> UserInputError:
    return UserInputError(
        f"image '{_rel(path, root)}' is corrupt, truncated or not an image ({exc})",
        where=root,
        hint="Replace or remove that file.",
    )


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
