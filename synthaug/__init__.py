"""synthaug: grow scarce datasets with class-conditional synthetic data, and check that it helps.

The public API is small::

    import synthaug

    run_dir = synthaug.run("examples/breast_cancer.yaml", overrides=["training.steps=200"])
    gan = synthaug.load_model(run_dir)          # the fitted generator: gan.sample(...)
    summary = synthaug.read_export("exports/breast_cancer-...")  # checksums verified
    frame = synthaug.load_export("exports/breast_cancer-...")  # a DataFrame (images: a torch Dataset)

Everything else lives in the layers below (imports go downward only): ``synthaug.pipeline``
(config, errors, schema, run layout; sources, transforms, split, watermark), ``synthaug.privacy``,
``synthaug.models``, ``synthaug.evaluation``, ``synthaug.stages`` (the job), ``synthaug.reports``
and ``synthaug.flows`` (Prefect flows and the command line). The functions import what they need
when called, so ``import synthaug`` stays light (no torch, no Prefect).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from synthaug.models.synthesizer import Synthesizer
    from synthaug.pipeline.config import SynthaugConfig
    from synthaug.stages.exported import SyntheticImages

__all__ = ["load_export", "load_model", "read_export", "run"]


def run(
    config: str | Path | SynthaugConfig,
    *,
    overrides: Sequence[str] = (),
    resume: str | Path | None = None,
) -> Path:
    """Run the augmentation job (the Prefect flow ``augment``) and return the completed run
    directory. ``config`` is a YAML file or a :class:`~synthaug.pipeline.config.SynthaugConfig`;
    ``overrides`` are ``KEY=VALUE`` items as with ``synthaug run --set``. A mistake in the config
    or the data raises :class:`~synthaug.pipeline.errors.UserInputError` before anything is
    written."""
    from synthaug.flows.augment import augment
    from synthaug.pipeline.config import SynthaugConfig
    from synthaug.pipeline.config_loading import load_config
    from synthaug.stages import preflight

    if isinstance(config, SynthaugConfig):
        resolved = load_config(base=config, overrides=list(overrides)) if overrides else config
    else:
        resolved = load_config(Path(config), overrides=list(overrides))
    preflight.check_config(resolved)
    return Path(augment(config=resolved, resume=str(resume) if resume is not None else None))


def load_model(run_dir: str | Path) -> Synthesizer:
    """The fitted synthesizer of a completed run (CPU-safe; ``sample(n, labels)`` draws from it)."""
    from synthaug.stages.sampling import load_run_model

    return load_run_model(Path(run_dir))


def read_export(folder: str | Path) -> dict[str, Any]:
    """An export's ``export.json`` after every file was checked against its sha256; raises
    :class:`~synthaug.pipeline.errors.UserInputError` when a file is missing, altered or added."""
    from synthaug.stages.describe import read_verified_export

    return read_verified_export(Path(folder))


def load_export(folder: str | Path, *, transform: Any = None) -> pd.DataFrame | SyntheticImages:
    """An export's data after every checksum was verified: a pandas DataFrame for tables (with
    ``frame.attrs["synthaug"]``: run id, verification, provenance, class counts), a torch
    ``Dataset`` of ``(image, class index)`` for images (like torchvision's ImageFolder, with
    ``classes``, ``provenance`` and ``verification``; ``transform`` applies to each image).
    Raises :class:`~synthaug.pipeline.errors.UserInputError` when a file is missing, altered or
    added."""
    from synthaug.stages.exported import load_export as load

    return load(Path(folder), transform=transform)
