"""Imports go downward only: every module of synthaug has a layer, and no module imports one from
a higher layer (read from the source with ``ast``, lazy imports inside functions included)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {  # installed name -> folder of this repository (pyproject.toml's package-dir)
    "synthaug.pipeline": "pipeline",
    "synthaug.privacy": "privacy",
    "synthaug.models": "models",
    "synthaug.evaluation": "evaluation",
    "synthaug.stages": "stages",
    "synthaug.reports": "reports",
    "synthaug.flows": "flows",
    "synthaug": "synthaug",
}
CORE = [
    f"synthaug.pipeline.{name}"
    for name in (
        "atomic",
        "config",
        "config_dataset",
        "config_loading",
        "config_training",
        "dataset",
        "dataset_io",
        "destinations",
        "errors",
        "files",
        "integrity",
        "layout",
        "manifest",
        "progress",
        "provenance",
        "rundir",
        "schema",
        "stage_clock",
        "synthetic_metadata",
    )
]
DATA = [
    f"synthaug.pipeline.{name}"
    for name in ("sources", "split", "synthetic_set", "tabular_transform", "validate", "watermark")
]
# Lowest first: a module may import its own layer and the layers below it. Each name covers the
# module and everything under it; the packages ``synthaug`` and ``synthaug.pipeline`` hold layers of
# their own below them, so only their ``__init__`` is named by them (EXACT).
LAYERS: list[tuple[str, list[str]]] = [
    ("core", CORE),
    ("data", DATA),
    ("privacy", ["synthaug.privacy"]),
    ("models", ["synthaug.models"]),
    ("evaluation", ["synthaug.evaluation"]),
    ("stages", ["synthaug.stages"]),
    ("reports", ["synthaug.reports"]),
    ("flows", ["synthaug.flows"]),
]
EXACT = {"synthaug.pipeline": 0, "synthaug": len(LAYERS)}  # the public API sits on top
NAMES = [name for _, prefixes in LAYERS for name in prefixes]


def layer_of(module: str) -> int | None:
    """The layer of ``module``, or None when no layer names it."""
    if module in EXACT:
        return EXACT[module]
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return index
    return None


def layer_name(index: int) -> str:
    return LAYERS[index][0] if index < len(LAYERS) else "api"


def modules() -> dict[str, Path]:
    found = {}
    for package, folder in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import of a synthaug module in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # ``from synthaug.stages import job`` imports synthaug.stages.job
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name == "synthaug" or name.startswith("synthaug.")]


def known_module(name: str, known: dict[str, Path]) -> str:
    """``name`` itself when it is a module, else its parent (an attribute imported from it)."""
    return name if name in known else name.rsplit(".", 1)[0]


MODULES = modules()


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(name for name in MODULES if layer_of(name) is None)
    assert not unplaced, f"add these modules to a layer in {Path(__file__).name}: {unplaced}"


def test_layer_names_are_real_modules() -> None:
    assert sorted(name for name in NAMES if name not in MODULES) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_downward_only(module: str) -> None:
    own = layer_of(module)
    assert own is not None
    upward = []
    for line, name in imports_of(MODULES[module]):
        target = known_module(name, MODULES)
        assert target in MODULES, f"{MODULES[module]}:{line} imports {name}, which does not exist"
        if (layer := layer_of(target)) is not None and layer > own:
            upward.append(f"line {line}: {target} ({layer_name(layer)})")
    assert not upward, f"{module} ({layer_name(own)}) imports upward: {upward}"


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    from synthaug.stages import job\n    import synthaug.flows.cli\n")
    names = [known_module(name, MODULES) for _, name in imports_of(source)]
    assert names == ["synthaug.stages.job", "synthaug.flows.cli"]
    assert layer_of("synthaug.pipeline.errors") < layer_of("synthaug.stages.job") < layer_of("synthaug")
    assert layer_of("synthaug.pipeline.not_placed") is None
