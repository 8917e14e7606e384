"""Reading a config from YAML, applying ``--set`` overrides, and explaining what is wrong.

Errors name the file and the dotted key path (``dataset.per_class``) and, for unknown keys,
suggest the closest known key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from synthaug.pipeline.config import NEAR_COPY_QUANTILES, SynthaugConfig
from synthaug.pipeline.errors import UserInputError, echo, suggest
from synthaug.pipeline.files import require_regular

MAX_CONFIG_BYTES = 1 << 20  # a config is a few kilobytes; anything this large is a mistake
MAX_CONFIG_VALUES = 10_000  # values after aliases are expanded (an alias bomb stops here)
MAX_PROBLEMS_SHOWN = 8


def load_config(
    path: str | Path | None = None,
    *,
    base: SynthaugConfig | None = None,
    overrides: Sequence[str] = (),
    snapshot: bool = False,
) -> SynthaugConfig:
    """Build a config from a YAML file (or ``base``) plus ``key.path=value`` overrides, with every
    path made absolute here, once (see ``resolve_paths``). ``snapshot``: the file is a run
    directory's config snapshot, read as the run started (``as_the_run_started``).
    """
    if (path is None) == (base is None):
        raise ValueError("pass exactly one of path or base")
    where = str(path) if path is not None else "config"
    raw = _read_yaml(Path(path)) if path is not None else given_settings(base)
    if snapshot:
        as_the_run_started(raw)
    for item in overrides:
        _apply_override(raw, item)
    config = validate_config(raw, where=where)
    return resolve_paths(config, config_folder=Path(path).resolve().parent if path is not None else None)


def given_settings(config: SynthaugConfig) -> dict[str, Any]:
    """The config as plain data with the settings it filled in itself unset again (the copula's
    preferred amount and calibrated curation), so that a config rebuilt from it with overrides
    fills them in afresh: a copula config changed to the GAN, or to amounts without 4, has no
    preference or calibration left over."""
    raw = config.model_dump(mode="json")
    if config.evaluation.preference_from_synthesizer:
        raw["evaluation"]["preferred_amount"] = None
    generation = config.generation
    if generation.calibration_from_synthesizer and generation.near_copy_quantile == "calibrated":
        raw["generation"]["near_copy_quantile"] = "auto"  # (a copy given another value keeps it)
    return raw


def as_the_run_started(raw: dict[str, Any]) -> None:
    """Settings whose unset value changed meaning since a snapshot was written, pinned to what
    they meant then, so that a run resumed or verified again continues as it started:
    - ``training.copula.truncation``: a copula snapshot without it was written before the
      setting existed and drew untruncated (1), as its model file still loads;
    - ``evaluation.preferred_amount``: a copula run's snapshot records the amount it filled in
      (4); null there means no preference (written before the copula had one, or with 4 not among
      the amounts, or the best rule), pinned to none (0);
    - ``generation.near_copy_quantile``: a copula run's snapshot records "calibrated" where it
      calibrated; "auto" (or no key) there was written before, when it meant the tables' fixed
      quantile (NEAR_COPY_QUANTILES)."""
    training, evaluation = raw.get("training"), raw.get("evaluation")
    if not isinstance(training, dict) or training.get("synthesizer") != "copula":
        return
    copula = training.setdefault("copula", {})
    if isinstance(copula, dict):
        copula.setdefault("truncation", 1.0)
    if isinstance(evaluation, dict) and evaluation.get("preferred_amount") is None:
        evaluation["preferred_amount"] = 0.0
    generation = raw.setdefault("generation", {})
    if isinstance(generation, dict) and generation.get("near_copy_quantile", "auto") == "auto":
        generation["near_copy_quantile"] = NEAR_COPY_QUANTILES["tabular"]


def validate_config(raw: Mapping[str, Any], *, where: str = "config") -> SynthaugConfig:
    try:
        return SynthaugConfig.model_validate(raw)
    except ValidationError as exc:
        raise UserInputError(format_validation_error(exc), where=where) from None


def format_validation_error(exc: ValidationError) -> str:
    """One line per problem: ``dataset.foo: unknown key (did you mean ...)``."""
    lines = []
    errors = exc.errors(include_url=False)
    for error in errors[:MAX_PROBLEMS_SHOWN]:
        loc = [str(part) for part in error["loc"]]
        key = ".".join(loc) or "(top level)"
        if error["type"] == "extra_forbidden":
            known = known_keys(loc[:-1])
            lines.append(f"unknown key '{key}' ({suggest(loc[-1], known).rstrip('.')})")
        elif error["type"] == "missing":
            lines.append(f"'{key}' is required")
        elif not loc:  # a rule across sections: its message names the keys, the input is everything
            lines.append(error["msg"].removeprefix("Value error, "))
        else:
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"'{key}': {message} (got {echo(error.get('input'))})")
    if len(errors) > MAX_PROBLEMS_SHOWN:
        lines.append(f"and {len(errors) - MAX_PROBLEMS_SHOWN} more problems")
    return "invalid config: " + "; ".join(line.rstrip(".") for line in lines)


def config_to_yaml(config: SynthaugConfig) -> str:
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)


class _ConfigLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (YAML would keep the last,
    silently: ``steps: 10`` then ``steps: 5000000``)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen and key != "<<":
                line = key_node.start_mark.line + 1
                raise _DuplicateKey(
                    f"key {echo(key)} appears twice in one section (lines {seen[key]} and {line})"
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


# YAML 1.1 reads a bare yes / no / on / off as a boolean, but a config means the word
# (`augmentation: on`, a class named "no" in generation.counts). As in YAML 1.2, only true / false
# are booleans here; a boolean setting given "yes" or "on" still reads as true (pydantic).
_ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class _DuplicateKey(Exception):
    pass


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise UserInputError(
            "config file not found", where=path, hint="Check the path, or run 'synthaug demo'."
        )
    info = require_regular(path, what="config file")
    if info.st_size > MAX_CONFIG_BYTES:
        raise UserInputError(
            f"config file is {info.st_size:,} bytes, more than a config needs ({MAX_CONFIG_BYTES:,})",
            where=path,
            hint="Point --config at the YAML config, not at the data (dataset.source names the data).",
        )
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_ConfigLoader)
    except _DuplicateKey as exc:
        raise UserInputError(str(exc), where=path, hint="Keep one of them.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise UserInputError(
            f"not valid YAML{at}: {echo(getattr(exc, 'problem', exc))}", where=path
        ) from None
    except UnicodeDecodeError:
        raise UserInputError("config file is not UTF-8 text", where=path) from None
    if data is None:
        raise UserInputError(
            "config file is empty", where=path, hint="It needs at least 'dataset: {source: ...}'."
        )
    if not isinstance(data, dict):
        raise UserInputError("config must be a mapping of sections (dataset:, split:, ...)", where=path)
    if _count_values(data, MAX_CONFIG_VALUES) > MAX_CONFIG_VALUES:
        raise UserInputError(
            f"config expands to more than {MAX_CONFIG_VALUES:,} values (YAML aliases repeating aliases?)",
            where=path,
            hint="Write the sections out; a synthaug config has a few dozen values.",
        )
    return data


def _count_values(data: Any, limit: int) -> int:
    """Values in ``data`` with every alias expanded, counting stops just past ``limit``."""
    count, stack = 0, [data]
    while stack and count <= limit:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


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
        node[parts[-1]] = yaml.load(text, Loader=_ConfigLoader) if text.strip() else None
    except yaml.YAMLError:
        node[parts[-1]] = text


def known_keys(loc: Sequence[str]) -> list[str]:
    """The setting names of the config section at ``loc`` (() for the top); [] where ``loc`` is no section."""
    model: type[BaseModel] = SynthaugConfig
    for part in loc:
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def resolve_paths(config: SynthaugConfig, *, config_folder: Path | None = None) -> SynthaugConfig:
    """The config with every relative path made absolute, so that no later step depends on the
    working directory (tasks in other threads or processes, a served deployment, a report link):

    - ``dataset.source`` is data named by the config file: relative to the file's folder
      (``config_folder``; the working directory for a config built without a file);
    - ``output_dir``, ``export.directory``, ``watermark.key_file`` and
      ``evaluation.inception_weights`` are relative to the working directory, as on a command line.
    """
    source = config.dataset.source
    if not config.dataset.is_bundled and not Path(source).is_absolute():
        source = str(_absolute(Path(source), config_folder))
    return config.model_copy(
        update={
            "output_dir": _absolute(config.output_dir),
            "dataset": config.dataset.model_copy(update={"source": source}),
            "export": config.export.model_copy(update={"directory": _absolute(config.export.directory)}),
            "watermark": config.watermark.model_copy(
                update={"key_file": _absolute(config.watermark.key_file)}
            ),
            "evaluation": config.evaluation.model_copy(
                update={"inception_weights": _absolute(config.evaluation.inception_weights)}
            ),
        }
    )


def _absolute(path: Path | None, folder: Path | None = None) -> Path | None:
    """``path`` joined to ``folder`` (default: the working directory) and normalised; ``..`` is
    collapsed but symbolic links are kept as the user named them."""
    if path is None:
        return None
    return Path(os.path.abspath(Path(folder or Path.cwd()) / Path(path).expanduser()))
