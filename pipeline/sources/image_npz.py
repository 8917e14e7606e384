"""NPZ archives with an image array ``x`` and a label array ``y`` (optionally ``classes``).

``x`` may be (N, H, W), (N, H, W, C) or (N, C, H, W) with C in {1, 3}; uint8 in 0..255, other
integers in 0..255, or floats in [0, 1] or [0, 255] (floats whose maximum lies between 1 and 16 fit
neither and are refused). Pickled arrays are never loaded.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from synthaug.pipeline.config import ImageOptions
from synthaug.pipeline.dataset import Dataset, SourceInfo
from synthaug.pipeline.errors import UserInputError, echo
from synthaug.pipeline.files import require_file, sha256_file
from synthaug.pipeline.schema import ImageSchema
from synthaug.pipeline.sources.image_shape import conform_array

# floats whose maximum is above 1 but below this are refused rather than read as 0..255
AMBIGUOUS_BELOW = 16.0


def read_npz(path: Path, options: ImageOptions) -> Dataset:
    require_file(path, what="NPZ file")
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = set(archive.files)
            missing = [k for k in ("x", "y") if k not in keys]
            if missing:
                present = ", ".join(sorted(keys)) or "nothing"
                raise UserInputError(
                    f"NPZ is missing the array{'s' if len(missing) > 1 else ''} "
                    f"{' and '.join(repr(m) for m in missing)} (it has: {present})",
                    where=path,
                    hint="Save images as 'x' and labels as 'y': np.savez(path, x=images, y=labels).",
                )
            x, y = archive["x"], archive["y"]
            names = archive["classes"] if "classes" in keys else None
    except ValueError as exc:
        if "pickle" in str(exc):  # object arrays need pickle, which is refused
            raise UserInputError(
                f"NPZ holds arrays that need pickle, which is refused ({echo(exc)})",
                where=path,
                hint="Store plain numeric or string arrays.",
            ) from None
        raise _unreadable(path, exc) from None
    except UNREADABLE as exc:  # what a damaged archive or array header raises, by layer
        raise _unreadable(path, exc) from None
    if x.ndim >= 1 and len(x) == 0:
        raise UserInputError("'x' holds no images (its first dimension is 0)", where=path)
    if x.ndim == 0:
        raise UserInputError(
            f"'x' is a single value of shape () (dtype {x.dtype}), not an array of images",
            where=path,
            hint="Save the images as one array of shape (N, H, W) or (N, H, W, C).",
        )
    if y.ndim != 1 or len(x) != len(y):
        raise UserInputError(
            f"'x' has {len(x)} images but 'y' has shape {y.shape}; they must match one label per image",
            where=path,
        )
    images = conform_array(_as_uint8(_channels_last(x, path), path), options, where=str(path))
    labels, classes = _labels(y, names, path)
    side, channels = images.shape[1], images.shape[3]
    schema = ImageSchema(side, side, channels, resize_policy=options.resize if options.size else "none")
    source = SourceInfo(
        uri=str(path), format="npz", sha256=sha256_file(path), details={"images": len(images)}
    )
    return Dataset(images, labels, classes, schema, source)


# zipfile: bad or truncated archives, unknown compression, encryption; zlib: bad deflate data;
# numpy: truncated array data (EOFError, OSError)
UNREADABLE = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    zlib.error,
    struct.error,
)


def _unreadable(path: Path, exc: BaseException) -> UserInputError:
    return UserInputError(
        f"not a readable NPZ archive ({type(exc).__name__}: {echo(exc)})",
        where=path,
        hint="Save it again with numpy.savez(path, x=images, y=labels); the file may be damaged.",
    )


def _channels_last(x: np.ndarray, path: Path) -> np.ndarray:
    if x.ndim == 3:
        return x[..., None]
    if x.ndim == 4 and x.shape[3] in (1, 3):
        return x
    if x.ndim == 4 and x.shape[1] in (1, 3):
        return np.transpose(x, (0, 2, 3, 1))
    raise UserInputError(
        f"'x' has shape {x.shape}; expected (N, H, W), (N, H, W, C) or (N, C, H, W) with C = 1 or 3",
        where=path,
    )


def _as_uint8(x: np.ndarray, path: Path) -> np.ndarray:
    if x.dtype == np.uint8:
        return np.ascontiguousarray(x)
    if x.dtype.kind in "iu":
        if x.size and (x.min() < 0 or x.max() > 255):
            raise UserInputError(
                f"'x' holds integers outside 0..255 (range {x.min()}..{x.max()})",
                where=path,
                hint="Scale the images to 0..255 (uint8).",
            )
        return x.astype(np.uint8)
    if x.dtype.kind == "f":
        if not np.isfinite(x).all():
            raise UserInputError("'x' holds NaN or infinite values", where=path)
        lo, hi = float(x.min()), float(x.max())
        if lo < 0 or hi > 255:
            raise UserInputError(
                f"'x' holds floats in {lo:g}..{hi:g}; expected [0, 1] or [0, 255]", where=path
            )
        if 1.0 < hi < AMBIGUOUS_BELOW:
            raise UserInputError(
                f"'x' holds floats in {lo:g}..{hi:g}: neither the [0, 1] nor the [0, 255] pixel scale "
                f"(a [0, 255] image whose brightest pixel is under {AMBIGUOUS_BELOW:g} is almost black)",
                where=path,
                hint="Rescale the images to [0, 1] (x / x.max()) or to 0..255 uint8 before saving.",
            )
        scale = 255.0 if hi <= 1.0 else 1.0
        return np.clip(np.rint(x * scale), 0, 255).astype(np.uint8)
    raise UserInputError(f"'x' has dtype {x.dtype}; expected numbers", where=path)


def _labels(y: np.ndarray, names: np.ndarray | None, path: Path) -> tuple[np.ndarray, tuple[str, ...]]:
    if names is not None:
        listed = [str(n) for n in names]
        repeated = sorted({n for n in listed if listed.count(n) > 1})
        if repeated:
            raise UserInputError(
                f"'classes' lists {echo(repeated[0])} more than once ({len(listed)} names, "
                f"{len(set(listed))} different)",
                where=path,
                hint="Give every class index its own name in 'classes'.",
            )
        if y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= len(names):
            raise UserInputError(f"'y' must index into 'classes' (0..{len(names) - 1})", where=path)
        return y.astype(np.int64), tuple(str(n) for n in names)
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise UserInputError("'y' holds NaN or infinite labels", where=path)
    values, codes = np.unique(y, return_inverse=True)
    return codes.astype(np.int64), tuple(str(v.item() if hasattr(v, "item") else v) for v in values)
