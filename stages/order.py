"""The job's stages, in the order they run: the one definition that the flow, the manifest
(``stage_seconds``, ``stages_completed``), ``synthaug validate`` and the tests read.

``ingest -> validate -> split`` prepare the data (``split`` also creates the run's record);
every later stage reads its inputs from the run directory, so a run resumes from there. The
held-out test split is read by ``verify`` alone, for the final scores.
"""

from __future__ import annotations

INGEST = "ingest"
VALIDATE = "validate"
SPLIT = "split"
TRAIN = "train"
GENERATE = "generate"
CROSS_FIT = "cross-fit"  # the selection folds' generators (fold_generators.py)
VERIFY = "verify"
EXPORT = "export"
REPORT = "report"

STAGES: tuple[str, ...] = (INGEST, VALIDATE, SPLIT, TRAIN, GENERATE, CROSS_FIT, VERIFY, EXPORT, REPORT)
PREPARE: tuple[str, ...] = STAGES[: STAGES.index(SPLIT) + 1]  # what `synthaug validate` runs
