import os
import random

import numpy as np
import pytest
from hypothesis import settings

# Hypothesis is deterministic by default: no example database and a fixed sequence of examples,
# so a run never fails at random and every run (a developer's, CI's) checks the same cases.
# To explore new random examples, opt in with HYPOTHESIS_PROFILE=explore (Hypothesis' own
# defaults: random examples, failures remembered in .hypothesis/).
settings.register_profile("deterministic", database=None, derandomize=True)
settings.register_profile("ci", parent=settings.get_profile("deterministic"))  # the old name
settings.register_profile("explore", settings.get_profile("default"))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "deterministic")


@pytest.fixture(autouse=True)
def _seed():
    random.seed(42)
    np.random.seed(42)  # noqa: NPY002 - seeds code that uses the legacy global generator


# ---- the slow tier ---------------------------------------------------------------------------
# A test marked ``slow`` takes seconds on its own: it compiles with numba (seconds a net),
# executes the notebooks, starts other Python processes (a kill, concurrent writers, memory
# measured from outside), or compiles many documents or JAX transformations. ``pytest -q`` skips
# them, so the suite answers in about two minutes; ``pytest -q --slow`` runs everything, and
# ``.ci/run`` runs both tiers.

def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", default=False,
                     help="also run the tests marked slow (numba, the notebooks executed, "
                          "tests that start processes); .ci/run runs them")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    if slow:
        items[:] = [item for item in items if item.get_closest_marker("slow") is None]
        config.hook.pytest_deselected(items=slow)
        config.stash[_SLOW] = len(slow)


_SLOW = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    left = config.stash.get(_SLOW, 0)
    if left:
        terminalreporter.write_line(f"{left} slow tests not run (deselected): pytest --slow runs "
                                    "them too, and .ci/run does")
