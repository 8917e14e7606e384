"""The README's ``--set`` overrides name settings that exist, and its image GAN recipe loads as
written and is sized as the README says against the CPU time limit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from synthaug.models.time_estimate import TimeEstimate, check_cpu_budget
from synthaug.pipeline.config_loading import known_keys, load_config
from synthaug.pipeline.config_training import TrainingConfig
from synthaug.pipeline.errors import UserInputError
from synthaug.stages.fold_generators import later_steps

ROOT = Path(__file__).resolve().parents[2]
README = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())  # lines re-joined
SET = re.compile(r"--set\s+'?([\w.]+)=([^\s`']+)")  # also --set 'key=[a,b]'
RECIPE_START = "`--set training.steps=1800 --set training.augmentation=on` is the setting to use"
RECIPE_END = "--set training.max_cpu_minutes=30`"
PLACEHOLDER = "section.key"  # the README's description of the option itself


def is_setting(key: str) -> bool:
    *section, name = key.split(".")
    return name in known_keys(section)


def test_every_readme_override_names_a_setting():
    keys = {key for key, _ in SET.findall(README)} - {PLACEHOLDER}
    assert len(keys) > 15  # the README's commands were found
    assert [key for key in sorted(keys) if not is_setting(key)] == []
    assert not is_setting("training.stepz") and not is_setting("evaluation.amounts.x")


def test_the_image_recipe_loads_and_fits_the_raised_cpu_limit_not_the_default():
    assert RECIPE_START in README and RECIPE_END in README, "the recipe's wording changed: update the test"
    start = README.index(RECIPE_START)
    end = README.index(RECIPE_END, start) + len(RECIPE_END)
    recipe = [f"{key}={value}" for key, value in SET.findall(README[start:end])]
    config = load_config(ROOT / "examples" / "digits.yaml", overrides=recipe)
    assert config.evaluation.preferred == (4.0, 0.1) and config.evaluation.fold_generator_share == 1
    assert config.training.steps == 1800 and config.training.max_cpu_minutes == 30
    total = config.training.steps + later_steps(config)
    assert f"trains {total:,} steps on the CPU" in README  # 1,800 for the run and three folds
    # at the rate measured with two runs sharing the machine (0.16 s per step): about 19 minutes
    estimate = TimeEstimate(
        seconds_per_step=0.16,
        remaining_steps=config.training.steps,
        elapsed_seconds=0.0,
        later_steps=later_steps(config),
    )
    check_cpu_budget(estimate, total_steps=config.training.steps, max_minutes=config.training.max_cpu_minutes)
    default = TrainingConfig.model_fields["max_cpu_minutes"].default
    with pytest.raises(UserInputError, match="training.max_cpu_minutes"):
        check_cpu_budget(estimate, total_steps=config.training.steps, max_minutes=default)
