"""The one verdict ``synthaug inspect`` gives on a run's or an export's files: intact, or the
first problem found, as the error the user sees (exit code 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synthaug.pipeline.errors import UserInputError
from synthaug.pipeline.layout import EXPORT_FILE, IMAGE_MANIFEST_FILE

_RESTORE = "The data were changed after they were written; export the run again or restore the files."


def integrity_problem(info: dict[str, Any], path: Path) -> UserInputError | None:
    """``info`` from ``stages.describe.describe`` of ``path``; None when every check passed."""
    synthetic = info.get("synthetic", {})
    checks = [
        (synthetic.get("checksums"), synthetic.get("manifest") or synthetic.get("rows") or path),
        (info.get("image_checksums"), path / IMAGE_MANIFEST_FILE),
        (info.get("checksums"), path / EXPORT_FILE),
    ]
    for checksums, where in checks:
        if not checksums or checksums["ok"]:
            continue
        missing, altered = checksums["missing"], checksums["altered"]
        unlisted = checksums.get("unlisted", [])
        if missing or altered:
            bad = [*altered, *missing]
            return UserInputError(
                f"{len(altered)} file(s) differ from the sha256 recorded for them and {len(missing)} are "
                f"missing, e.g. {bad[0]}",
                where=where,
                hint=_RESTORE,
            )
        return UserInputError(
            f"{len(unlisted)} file(s) in the export are not in its record, e.g. {unlisted[0]}; an export "
            "holds only the files it lists",
            where=where,
            hint="Someone added files after the export was written: remove them, or export the run again.",
        )
    signature = info.get("signature")
    if signature and signature["ok"] is False:
        return UserInputError(
            f"the signature does not match: {signature['problem']}",
            where=path / EXPORT_FILE,
            hint="Do not trust this export's record (verdict, provenance, file list); export the run again.",
        )
    return None
