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
