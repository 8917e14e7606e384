"""Reading a config from YAML, applying ``--set`` overrides, and explaining what is wrong.

Errors name the file and the dotted key path (``dataset.per_class``) and, for unknown keys,
suggest the closest known key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from pipeline.config import BUNDLED_PREFIX, SynthaugConfig
from pipeline.errors import UserInputError, suggest


def load_config(
    path: str | Path | None = None,
    *,
    base: SynthaugConfig | None = None,
    overrides: Sequence[str] = (),
) -> SynthaugConfig:
    """Build a config from a YAML file (or ``base``) plus ``key.path=value`` overrides.

    A relative ``dataset.source`` in a file is resolved against the file's folder, so a config
    works from any working directory.
    """
    if (path is None) == (base is None):
        raise ValueError("pass exactly one of path or base")
    where = str(path) if path is not None else "config"
    raw = _read_yaml(Path(path)) if path is not None else base.model_dump(mode="json")
    for item in overrides:
        _apply_override(raw, item)
    config = validate_config(raw, where=where)
    if path is not None:
        config = _resolve_source(config, Path(path).resolve().parent)
    return config


def validate_config(raw: Mapping[str, Any], *, where: str = "config") -> SynthaugConfig:
    try:
        return SynthaugConfig.model_validate(raw)
    except ValidationError as exc:
        raise UserInputError(format_validation_error(exc), where=where) from None


def format_validation_error(exc: ValidationError) -> str:
    """One line per problem: ``dataset.foo: unknown key (did you mean ...)``."""
    lines = []
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error["loc"]]
        key = ".".join(loc) or "(top level)"
        if error["type"] == "extra_forbidden":
            known = _known_keys(loc[:-1])
            lines.append(f"unknown key '{key}' ({suggest(loc[-1], known).rstrip('.')})")
        elif error["type"] == "missing":
            lines.append(f"'{key}' is required")
        else:
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"'{key}': {message} (got {error.get('input')!r})")
    return "invalid config: " + "; ".join(line.rstrip(".") for line in lines)


def config_to_yaml(config: SynthaugConfig) -> str:
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise UserInputError(
            "config file not found", where=path, hint="Check the path, or run 'synthaug demo'."
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise UserInputError(f"not valid YAML{at}: {getattr(exc, 'problem', exc)}", where=path) from None
    except UnicodeDecodeError:
        raise UserInputError("config file is not UTF-8 text", where=path) from None
    if data is None:
        raise UserInputError(
            "config file is empty", where=path, hint="It needs at least 'dataset: {source: ...}'."
        )
    if not isinstance(data, dict):
        raise UserInputError("config must be a mapping of sections (dataset:, split:, ...)", where=path)
    return data


def _apply_override(raw: dict[str, Any], item: str) -> None:
    key, sep, text = item.partition("=")
    if not sep or not key.strip():
        raise UserInputError(f"override {item!r} is not of the form key.path=value", where="--set")
    parts = key.strip().split(".")
    node = raw
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise UserInputError(f"'{key}': '{part}' is a value, not a section", where="--set")
        node = child
    try:
        node[parts[-1]] = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        node[parts[-1]] = text


def _known_keys(loc: Sequence[str]) -> list[str]:
    model: type[BaseModel] = SynthaugConfig
    for part in loc:
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def _resolve_source(config: SynthaugConfig, folder: Path) -> SynthaugConfig:
    source = config.dataset.source
    if source.startswith(BUNDLED_PREFIX) or Path(source).is_absolute():
        return config
    dataset = config.dataset.model_copy(update={"source": str(folder / source)})
    return config.model_copy(update={"dataset": dataset})
