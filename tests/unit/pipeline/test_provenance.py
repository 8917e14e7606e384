"""A run records what it ran on: versions, the commit, and what sets its floating-point results."""

from __future__ import annotations

import torch

from synthaug.pipeline.provenance import environment


def test_the_environment_names_the_threads_and_the_processor_that_set_the_weights():
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        compute = environment()["compute"]
    finally:
        torch.set_num_threads(threads)
    assert compute["torch_threads"] == 1  # read when the run records it, not at import
    assert isinstance(compute["cpu_capability"], str) and compute["cpu_capability"]
    assert isinstance(compute["processor"], str) and compute["processor"]


def test_the_environment_keeps_its_versions_and_platform():
    record = environment()
    assert record["packages"]["torch"] == torch.__version__.split("+")[0]
    assert record["python"] and record["platform"]
