"""The checks made before anything is read or written refuse, naming the setting, what a run could
not honour."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthaug.pipeline.config import SynthaugConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.stages import preflight


def config(tmp_path: Path, **sections) -> SynthaugConfig:
    return SynthaugConfig.model_validate(
        {
            "dataset": {"source": "bundled:breast_cancer", "target": "diagnosis", "per_class": 9},
            "output_dir": str(tmp_path / "runs"),
            **sections,
        }
    )


@pytest.mark.parametrize(
    ("sections", "key"),
    [
        ({"generation": {"per_class": 0}}, "generation.per_class"),
        ({"generation": {"strategy": "explicit", "counts": {"benign": 0}}}, "generation.counts"),
        ({"evaluation": {"enabled": False, "require_gain": True}}, "evaluation.require_gain"),
        ({"privacy": {"enabled": True}}, "privacy.public_columns"),
        ({"evaluation": {"tabular_classifiers": ["logistic", "nope"]}}, "nope"),
        (
            {"dataset": {"source": "bundled:digits", "per_class": 9}, "training": {"synthesizer": "copula"}},
            "training.synthesizer is copula, which models tables only",
        ),
        (
            {
                "dataset": {"source": "bundled:digits", "per_class": 9},
                "evaluation": {"filter_rule": "data-iq"},
            },
            "evaluation.filter_rule is data-iq, which judges table rows",
        ),
        (
            {"privacy": {"enabled": True}, "training": {"synthesizer": "copula"}},
            "training.synthesizer: the Gaussian",
        ),
    ],
)
def test_check_config_refuses_what_cannot_be_honoured(tmp_path: Path, sections: dict, key: str) -> None:
    with pytest.raises(UserInputError, match=key.replace(".", r"\.")):
        preflight.check_config(config(tmp_path, **sections))
    assert not (tmp_path / "runs").exists()


def test_check_config_refuses_an_existing_export_and_a_missing_source(tmp_path: Path) -> None:
    old = str(tmp_path / "old-export")
    (tmp_path / "old-export").mkdir()
    with pytest.raises(UserInputError, match="refusing to overwrite"):
        preflight.check_config(config(tmp_path, export={"directory": old}))
    preflight.check_config(config(tmp_path, export={"directory": old, "overwrite": True}))
    missing = config(tmp_path).model_copy(
        update={"dataset": config(tmp_path).dataset.model_copy(update={"source": str(tmp_path / "no.csv")})}
    )
    with pytest.raises(UserInputError, match="no.csv"):
        preflight.check_config(missing)
