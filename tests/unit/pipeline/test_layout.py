"""The run layout is named in one place: no other module spells one of its file names, and the
layout's paths are the ones the stages write (see also the end-to-end tests)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from synthaug.pipeline import layout
from synthaug.pipeline.layout import ExportLayout, RunLayout
from tests.unit.test_layers import MODULES

FILE_NAMES = sorted(
    {
        Path(value).name
        for name, value in vars(layout).items()
        if name.isupper() and isinstance(value, str) and Path(value).suffix
    }
    | {Path(v).name for v in layout.MODEL_FILES.values()}
)


def docstrings(tree: ast.AST) -> set[int]:
    """ids of the string nodes that are docstrings (they may name files for the reader)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def layout_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = docstrings(tree)
    pattern = re.compile(r"(?<![\w.-])(" + "|".join(map(re.escape, FILE_NAMES)) + r")(?![\w.])")
    return [
        f"line {node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and pattern.search(node.value)
    ]


def test_the_file_names_are_known() -> None:
    assert {"manifest.json", "rows.parquet", "export.json", "gain.json", "image_cgan.pt"} <= set(FILE_NAMES)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "synthaug.pipeline.layout"))
def test_no_module_spells_a_layout_file(module: str) -> None:
    assert layout_literals(MODULES[module]) == [], "use synthaug.pipeline.layout instead"


def test_the_check_sees_a_spelled_file(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text('"""Reads rows.parquet."""\nPATH = "synthetic/rows.parquet"\nOK = "my_rows.parquet"\n')
    assert layout_literals(source) == ["line 2: 'synthetic/rows.parquet'"]


def test_paths_of_a_run_and_an_export(tmp_path: Path) -> None:
    run = RunLayout(tmp_path)
    assert run.manifest == tmp_path / "manifest.json"
    assert run.model("tabular") == tmp_path / "model" / "tabular_cgan.pt"
    assert run.split_data("test", "image") == tmp_path / "data" / "test.npz"
    assert run.synthetic.rows == tmp_path / "synthetic" / "rows.parquet"
    assert run.fold(2).trained_on == tmp_path / "evaluation" / "selection" / "fold-2" / "trained_on.json"
    assert run.fold(2).synthetic.image_manifest.parent == run.fold(2).root / "synthetic"
    assert run.training.checkpoint == tmp_path / "training" / "checkpoints" / "latest.pt"
    assert run / layout.RESULT_FILE == run.gain
    export = ExportLayout(tmp_path / "e")
    assert export.synthetic.rows == tmp_path / "e" / "rows.parquet" and export.summary.name == "export.json"
