"""Small datasets made in the package (no downloads): xor, two moons, spiral, sine.

Each returns ``(X, T)`` as float arrays: X is (n, n_inputs), T is (n, n_targets); class labels
are 0/1 columns (one column for two classes, one-hot for more).

>>> from symbackprop import datasets
>>> X, T = datasets.xor()
>>> X.tolist(), T.ravel().tolist()
([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0])
"""

from __future__ import annotations

import inspect

import numpy as np

from ..core.errors import (
    InputTypeError,
    InvalidValueError,
    LimitError,
    MissingDependencyError,
    UnknownNameError,
)
from .arguments import as_count, as_real, as_seed

__all__ = ["DATASETS", "MAX_EXAMPLES", "digits", "load", "sine", "spiral", "two_moons", "xor"]

MAX_EXAMPLES = 10_000_000
"""Most examples a data set here makes (these are toy sets; ten million rows are 160 MB)."""


def _n(n, minimum: int = 1) -> int:
    n = as_count(n, "n (the number of examples)", minimum)
    if n > MAX_EXAMPLES:
        raise LimitError(f"n is {n:,}; these toy data sets make at most {MAX_EXAMPLES:,} "
                         "examples")
    return n


def _noise(noise) -> float:
    v = as_real(noise, "noise")
    if not (np.isfinite(v) and v >= 0):
        raise InvalidValueError(f"noise must be a finite number >= 0 (the standard deviation "
                                f"of the added Gaussian noise), not {noise!r}")
    return v


def xor():
    """The four points of XOR."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    return X, np.array([[0], [1], [1], [0]], dtype=float)


def two_moons(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles (as in scikit-learn's make_moons), labels 0 and 1."""
    n, noise, rng = _n(n, 2), _noise(noise), np.random.default_rng(as_seed(seed))
    n1 = n // 2
    n2 = n - n1
    a = np.linspace(0, np.pi, n1)
    b = np.linspace(0, np.pi, n2)
    X = np.vstack([np.c_[np.cos(a), np.sin(a)], np.c_[1 - np.cos(b), 0.5 - np.sin(b)]])
    X += rng.normal(scale=noise, size=X.shape)
    T = np.r_[np.zeros(n1), np.ones(n2)][:, None]
    return X, T


def spiral(n: int = 300, classes: int = 3, noise: float = 0.2, seed: int = 0):
    """Interleaved spiral arms (CS231n's toy data), one-hot labels; ``n // classes`` points per
    arm."""
    n, noise, rng = _n(n), _noise(noise), np.random.default_rng(as_seed(seed))
    classes = as_count(classes, "classes", 1)
    if classes > n:
        raise InvalidValueError(f"classes ({classes}) must be at most n ({n}): every arm needs "
                                "a point")
    per = n // classes
    X, labels = [], []
    for c in range(classes):
        r = np.linspace(0.0, 1, per)
        th = np.linspace(c * 4, (c + 1) * 4, per) + rng.normal(scale=noise, size=per)
        X.append(np.c_[r * np.sin(th), r * np.cos(th)])
        labels += [c] * per
    return np.vstack(X), np.eye(classes)[labels]


def sine(n: int = 100, noise: float = 0.0, seed: int = 0):
    """Regression: t = sin(x) for x in [-pi, pi]."""
    n, noise, rng = _n(n), _noise(noise), np.random.default_rng(as_seed(seed))
    x = np.linspace(-np.pi, np.pi, n)
    t = np.sin(x) + rng.normal(scale=noise, size=n) if noise else np.sin(x)
    return x[:, None], t[:, None]


def digits(seed: int = 0, test_size: float = 0.25):
    """8x8 handwritten digits from scikit-learn (optional extra ``digits``), scaled to [0, 1].

    Returns ``(X_train, T_train, X_test, T_test)`` with one-hot targets.
    """
    seed = as_seed(seed)
    split = as_real(test_size, "test_size")
    if not 0 < split < 1:
        raise InvalidValueError(f"test_size must be a fraction between 0 and 1 (exclusive), "
                                f"not {test_size!r}")
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise MissingDependencyError("the digits data set needs scikit-learn: "
                               "pip install 'symbackprop[digits]'") from None
    d = load_digits()
    X = d.data / 16.0
    T = np.eye(10)[d.target]
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(X))
    cut = int(len(X) * (1 - split))
    return X[idx[:cut]], T[idx[:cut]], X[idx[cut:]], T[idx[cut:]]


DATASETS = {"xor": xor, "moons": two_moons, "two_moons": two_moons, "spiral": spiral,
            "sine": sine}


def load(name: str, **kwargs):
    """A dataset by name: xor, moons (two_moons), spiral, sine; ``kwargs`` go to its function."""
    if not isinstance(name, str):
        raise InputTypeError(f"name must be a data set's name, one of "
                             f"{', '.join(sorted(DATASETS))}; not {type(name).__name__}")
    if name not in DATASETS:
        raise UnknownNameError("dataset", name, DATASETS)
    make = DATASETS[name]
    known = list(inspect.signature(make).parameters)
    unknown = sorted(set(kwargs) - set(known))
    if unknown:
        raise InputTypeError(f"the data set {name!r} takes no option {unknown[0]!r}; its "
                             f"options are: {', '.join(known) or '(none)'}")
    return make(**kwargs)
