"""Generated code that reads like the derivation (issue 17, item 5).

The scalar path's code is the printed backprop program line for line (the same names), the
stable forms are steps of their own computed once, no line is longer than 100 characters, no
function computes what it does not use, and a one-column row is not reduced.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import symbackprop as sb
from symbackprop.numeric.loops import _scalar as numba_scalar_source

NET = sb.mlp([2, 3, 2], activation="tanh", loss="softmax_ce")


def _lines(src: str) -> list[str]:
    return src.splitlines()


@pytest.mark.parametrize("kind", ["numpy", "numba"])
def test_the_stable_forms_are_steps_computed_once(kind):
    if kind == "numpy":
        src = sb.compile(NET, path="scalar").source
        top = "functools.reduce(numpy.maximum, [z2_1, z2_2])"
    else:
        src = numba_scalar_source(NET)[0].split("def _chunk_loss")[0]
        top = "max(z2_1, z2_2)"
    assert src.count(top) == 1  # the largest logit, once
    assert len(re.findall(r"^\s+_max = ", src, re.MULTILINE)) == 1
    assert len(re.findall(r"^\s+_lse = ", src, re.MULTILINE)) == 1
    assert re.search(r"^\s+h2_1 = .*exp\(_s_z2_1 - _lse\)$", src, re.MULTILINE)
    assert max(map(len, _lines(src))) <= 100


def test_the_scalar_code_reads_as_the_printed_program():
    src = sb.compile(NET, path="scalar").source
    program = str(sb.backprop(NET))
    printed = [ln.strip() for ln in program.splitlines()
               if ln.strip().startswith(("delta_z", "delta_h", "dL_dw", "dL_db"))]  # params only
    code = [ln.strip() for ln in _lines(src)]
    assert printed and all(ln in code for ln in printed), [ln for ln in printed
                                                            if ln not in code]


def test_no_dead_stores_and_short_lines_in_every_function():
    f = sb.compile(NET, path="scalar")
    assert "h2_1" not in f.forward_source  # the loss reads the logits, not the predictions
    assert "t1" not in f.predict_source  # predict needs no targets
    wide = sb.compile(sb.mlp([64, 3, 1], activation="tanh"), path="scalar")
    for src in (f.source, f.forward_source, f.predict_source, wide.source):
        assert max(map(len, _lines(src))) <= 100
    X = np.random.default_rng(0).normal(size=(4, 64))
    T = np.random.default_rng(1).normal(size=(4, 1))
    theta = np.random.default_rng(2).normal(size=len(wide.params)) * 0.1
    loss, grad = wide(theta, X, T)  # the broken lines still compute the same thing
    ref = sb.compile(sb.mlp([64, 3, 1], activation="tanh"))(theta, X, T)
    assert loss == pytest.approx(ref[0], rel=1e-12)
    np.testing.assert_allclose(grad, ref[1], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("loss", ["bce", "half_se", "mse", "huber"])
def test_one_output_is_not_reduced_as_a_row(loss):
    net = sb.mlp([2, 2, 1], loss=loss)
    f = sb.compile(net)
    assert "axis=1" not in f.source and "prod" not in f.source
    g = sb.compile(net, path="scalar")
    rng = np.random.default_rng(3)
    theta, X, T = rng.normal(size=9), rng.normal(size=(5, 2)), rng.uniform(size=(5, 1))
    (a, ga), (b, gb) = f(theta, X, T), g(theta, X, T)
    assert a == pytest.approx(b, rel=1e-12)
    np.testing.assert_allclose(ga, gb, rtol=1e-10, atol=1e-15)
