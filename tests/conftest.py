import os
import random

import numpy as np
import pytest
from hypothesis import settings

# CI: no example database and a fixed sequence of examples, so a run never fails at random
settings.register_profile("ci", database=None, derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _seed():
    random.seed(42)
    np.random.seed(42)  # noqa: NPY002 - seeds code that uses the legacy global generator
