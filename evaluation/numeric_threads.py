"""One thread for scikit-learn's OpenMP and NumPy/SciPy's BLAS while the verification runs.

The verification works on scarce data: a few hundred rows or images. There a second thread in
these libraries costs more than it saves, and sometimes far more: scikit-learn ships its own
OpenMP runtime beside torch's, and once torch's has run (the GAN training, earlier in the same
process), scikit-learn's histogram gradient boosting with two OpenMP threads took 11 s for the
detection AUC of a breast_cancer run, against 1.4 s with one thread (1.7 s with two in a fresh
process). torch's thread pool is left alone: the downstream CNN uses it.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ParamSpec, TypeVar

from threadpoolctl import ThreadpoolController

P = ParamSpec("P")
R = TypeVar("R")


@contextlib.contextmanager
def one_thread_outside_torch() -> Iterator[None]:
    """Limit every loaded thread pool except torch's (OpenMP, BLAS) to one thread."""
    controller = ThreadpoolController()
    others = [lib.filepath for lib in controller.lib_controllers if "torch" not in Path(lib.filepath).parts]
    with controller.select(filepath=others).limit(limits=1):
        yield


def single_threaded_numerics(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` inside ``one_thread_outside_torch``."""

    @functools.wraps(function)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        with one_thread_outside_torch():
            return function(*args, **kwargs)

    return wrapped
