"""The update of one training step, written once: the Python loop calls it, and the numba
backend compiles the same function into its training loop.

``w ← w − η ∂L/∂w`` (``gd``); heavy-ball momentum, ``v ← μ v − η g``, ``w ← w + v``;
Adam, with bias-corrected first and second moments (Kingma and Ba, 2015).
"""

from __future__ import annotations

import numpy as np

__all__ = ["CODES", "OPTIMIZERS", "optimizer_step"]

OPTIMIZERS = ("adam", "gd", "momentum")
CODES = {"gd": 0, "momentum": 1, "adam": 2}
"""Optimizer name -> the number :func:`optimizer_step` takes (compiled code takes no str)."""

ADAM_EPS = 1e-8


def optimizer_step(theta, grad, opt, lr, mom, b1, b2, step, vel, m1, m2):
    """The parameters after one step (``opt`` from :data:`CODES`, ``step`` counted from 1);
    the optimizer's state ``vel`` (momentum) or ``m1``, ``m2`` (Adam) is updated in place."""
    if opt == 0:
        return theta - lr * grad
    if opt == 1:
        vel[:] = mom * vel - lr * grad
        return theta + vel
    m1[:] = b1 * m1 + (1 - b1) * grad
    m2[:] = b2 * m2 + (1 - b2) * grad**2
    mh = m1 / (1 - b1**step)
    vh = m2 / (1 - b2**step)
    return theta - lr * mh / (np.sqrt(vh) + ADAM_EPS)
