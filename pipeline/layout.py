"""Every file of a run directory and of an export, named once.

Relative names are module constants (the manifest and ``export.json`` record them as written
here); :class:`RunLayout`, :class:`ExportLayout` and :class:`SyntheticLayout` turn them into paths.
Nothing else in synthaug spells a path of a run (``tests/unit/pipeline/test_layout.py``).

```
<run>/config.yaml, manifest.json, split.parquet, FAILED.txt (failed runs only)
      logs/run.log
      data/train.parquet, test.parquet, ...        the split's rows (dataset I/O)
      model/image_cgan.pt | tabular_cgan.pt
      training/metrics.jsonl, checkpoints/latest.pt, grids/step_*.png
      synthetic/rows.parquet | manifest.parquet + images/<class>/*.png
      evaluation/gain.json, scores.jsonl, fidelity.json, fidelity.jsonl, parts/
      evaluation/selection/summary.json, fold-<k>/trained_on.json, fold-<k>/synthetic/...
      report/report.html, report.md, figures/
      export/                                      unless export.directory says elsewhere
      private/watermark.key                        a generated key (never exported)
      human-eval/page.html, key.json, scores.json  synthaug human-eval (the key: never in the page)
<export>/export.json, DATASET_CARD.md, rows.parquet | manifest.parquet + images/
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["image", "tabular"]

# the run directory
CONFIG_FILE = "config.yaml"
MANIFEST_FILE = "manifest.json"
SPLIT_FILE = "split.parquet"
LOG_FILE = "logs/run.log"
DATA_DIR = "data"
SPLIT_DATA_SUFFIXES: dict[str, str] = {"tabular": ".parquet", "image": ".npz"}  # data/train.parquet, ...
FAILURE_FILE = "FAILED.txt"


def synthesizer_name(kind: str, synthesizer: str = "gan") -> str:
    """The registry name (models/synthesizers.py) and model file key of a data kind's synthesizer:
    the kind for its GAN, ``<kind>-<synthesizer>`` for another (training.synthesizer)."""
    return kind if synthesizer == "gan" else f"{kind}-{synthesizer}"


# synthesizer_name -> its model file
MODEL_FILES: dict[str, str] = {
    "image": "model/image_cgan.pt",
    "tabular": "model/tabular_cgan.pt",
    "tabular-copula": "model/tabular_copula.pt",
}
TRAINING_DIR = "training"
SYNTHETIC_DIR = "synthetic"
EVALUATION_DIR = "evaluation"
PARTS_DIR = f"{EVALUATION_DIR}/parts"
RESULT_FILE = f"{EVALUATION_DIR}/gain.json"
SCORES_FILE = f"{EVALUATION_DIR}/scores.jsonl"
FIDELITY_FILE = f"{EVALUATION_DIR}/fidelity.json"
FIDELITY_LINES_FILE = f"{EVALUATION_DIR}/fidelity.jsonl"
SELECTION_DIR = f"{EVALUATION_DIR}/selection"  # the selection folds' generators
SELECTION_SUMMARY_FILE = f"{SELECTION_DIR}/summary.json"  # cross-fitted or not, and why not
TRAINED_ON_FILE = "trained_on.json"  # in each fold's folder: the rows its generator saw
REPORT_DIR = "report"
HTML_FILE, MARKDOWN_FILE = "report.html", "report.md"
FIGURE_DIR = "figures"  # in report/
DEFAULT_EXPORT_DIR = "export"  # inside the run directory when export.directory is unset
RUN_KEY_FILE = "private/watermark.key"
HUMAN_EVAL_DIR = "human-eval"  # synthaug human-eval: the page raters open, its key, the scores
PAGE_FILE = "page.html"  # in human-eval/
KEY_FILE = "key.json"  # in human-eval/: which item is real, never in the page
HUMAN_SCORES_FILE = "scores.json"  # in human-eval/
HUMAN_EVAL_PAGE_FILE = f"{HUMAN_EVAL_DIR}/{PAGE_FILE}"
HUMAN_EVAL_SCORES_FILE = f"{HUMAN_EVAL_DIR}/{HUMAN_SCORES_FILE}"

# a training work directory (the run's training/, or a fold's)
METRICS_FILE = "metrics.jsonl"
CHECKPOINT_FILE = "checkpoints/latest.pt"
GRID_DIR = "grids"

# a folder of synthetic samples: the run's synthetic/, a fold's synthetic/, an export
ROWS_FILE = "rows.parquet"
IMAGE_MANIFEST_FILE = "manifest.parquet"
IMAGES_DIR = "images"
DATA_FILES: dict[str, tuple[str, ...]] = {"tabular": (ROWS_FILE,), "image": (IMAGE_MANIFEST_FILE, IMAGES_DIR)}

# an export
EXPORT_FILE = "export.json"
CARD_FILE = "DATASET_CARD.md"


@dataclass(frozen=True)
class SyntheticLayout:
    """A folder of synthetic samples: ``rows.parquet`` for tables, ``manifest.parquet`` and
    ``images/<class>/`` for images."""

    root: Path

    @property
    def rows(self) -> Path:
        return self.root / ROWS_FILE

    @property
    def image_manifest(self) -> Path:
        return self.root / IMAGE_MANIFEST_FILE

    @property
    def images(self) -> Path:
        return self.root / IMAGES_DIR

    def data_files(self, kind: str) -> list[Path]:
        return [self.root / name for name in DATA_FILES[kind]]


@dataclass(frozen=True)
class TrainingLayout:
    """A GAN's work directory: metrics, the resumable checkpoint, sample grids."""

    root: Path

    @property
    def metrics(self) -> Path:
        return self.root / METRICS_FILE

    @property
    def checkpoint(self) -> Path:
        return self.root / CHECKPOINT_FILE

    @property
    def grids(self) -> Path:
        return self.root / GRID_DIR


@dataclass(frozen=True)
class FoldLayout:
    """One selection fold's generator: what it trained on, its work directory, its samples."""

    root: Path

    @property
    def trained_on(self) -> Path:
        return self.root / TRAINED_ON_FILE

    @property
    def training(self) -> TrainingLayout:
        return TrainingLayout(self.root / TRAINING_DIR)

    @property
    def synthetic(self) -> SyntheticLayout:
        return SyntheticLayout(self.root / SYNTHETIC_DIR)


@dataclass(frozen=True)
class HumanEvalLayout:
    """``synthaug human-eval``'s folder: the page, its key, the scores of the answers."""

    root: Path

    @property
    def page(self) -> Path:
        return self.root / PAGE_FILE

    @property
    def key(self) -> Path:
        return self.root / KEY_FILE

    @property
    def scores(self) -> Path:
        return self.root / HUMAN_SCORES_FILE


@dataclass(frozen=True)
class RunLayout:
    """The files of one run directory."""

    root: Path

    def __truediv__(self, relative: str) -> Path:  # for a name recorded in the manifest
        return self.root / relative

    @property
    def config(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST_FILE

    @property
    def split(self) -> Path:
        return self.root / SPLIT_FILE

    @property
    def data(self) -> Path:
        return self.root / DATA_DIR

    def split_data(self, part: str, kind: str) -> Path:
        """``data/train.parquet``, ``data/test.npz``, ...: a part of the split as written."""
        return self.data / f"{part}{SPLIT_DATA_SUFFIXES[kind]}"

    @property
    def log(self) -> Path:
        return self.root / LOG_FILE

    @property
    def failure(self) -> Path:
        return self.root / FAILURE_FILE

    def model(self, name: str) -> Path:
        """The model file of the synthesizer ``name`` (``synthesizer_name``)."""
        return self.root / MODEL_FILES[name]

    @property
    def training(self) -> TrainingLayout:
        return TrainingLayout(self.root / TRAINING_DIR)

    @property
    def synthetic(self) -> SyntheticLayout:
        return SyntheticLayout(self.root / SYNTHETIC_DIR)

    @property
    def gain(self) -> Path:
        return self.root / RESULT_FILE

    @property
    def fidelity(self) -> Path:
        return self.root / FIDELITY_FILE

    @property
    def selection_summary(self) -> Path:
        return self.root / SELECTION_SUMMARY_FILE

    def fold(self, index: int) -> FoldLayout:
        return FoldLayout(self.root / SELECTION_DIR / f"fold-{index}")

    @property
    def report(self) -> Path:
        return self.root / REPORT_DIR

    @property
    def default_export(self) -> Path:
        return self.root / DEFAULT_EXPORT_DIR

    @property
    def run_key(self) -> Path:
        return self.root / RUN_KEY_FILE

    @property
    def human_eval(self) -> HumanEvalLayout:
        return HumanEvalLayout(self.root / HUMAN_EVAL_DIR)


@dataclass(frozen=True)
class ExportLayout:
    """The files of an export: ``export.json`` (every file's sha256), the card, the data."""

    root: Path

    @property
    def summary(self) -> Path:
        return self.root / EXPORT_FILE

    @property
    def card(self) -> Path:
        return self.root / CARD_FILE

    @property
    def synthetic(self) -> SyntheticLayout:
        return SyntheticLayout(self.root)
