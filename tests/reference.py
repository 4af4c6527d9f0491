"""Independent reference implementations used as oracles.

Nothing here calls symbackprop's derivations: the forward pass is written out with
autograd.numpy, gradients come from HIPS autograd, and central differences from plain NumPy.
"""

from __future__ import annotations

import itertools

import autograd.numpy as anp
import numpy as np
from autograd import grad


def act(name, z):
    if name == "sigmoid":
        return 1.0 / (1.0 + anp.exp(-z))
    if name == "tanh":
        return anp.tanh(z)
    if name == "relu":
        return anp.maximum(z, 0.0)
    if name == "identity":
        return z
    if name == "softplus":
        return anp.log1p(anp.exp(z))
    if name == "leaky_relu":
        return anp.where(z > 0, z, 0.01 * z)
    raise ValueError(name)


def loss_value(loss, out_act, z_last, t):
    """Loss for one example from the last layer's pre-activations."""
    if loss == "bce":
        p = 1.0 / (1.0 + anp.exp(-z_last))
        return -anp.sum(t * anp.log(p) + (1 - t) * anp.log(1 - p))
    if loss == "softmax_ce":
        zmax = anp.max(z_last)
        logp = z_last - zmax - anp.log(anp.sum(anp.exp(z_last - zmax)))
        return -anp.sum(t * logp)
    y = act(out_act, z_last)
    if loss == "half_se":
        return 0.5 * anp.sum((t - y) ** 2)
    if loss == "mse":
        return anp.mean((t - y) ** 2)
    raise ValueError(loss)


def unpack(layers, theta):
    """theta: all weights of layer 1 row by row, then its biases, then layer 2, ..."""
    Ws, bs, i = [], [], 0
    for n_in, n_out in itertools.pairwise(layers):
        Ws.append(anp.reshape(theta[i:i + n_in * n_out], (n_out, n_in)))
        i += n_in * n_out
        bs.append(theta[i:i + n_out])
        i += n_out
    return Ws, bs


def mlp_loss(layers, activation, out_act, loss):
    def f(theta, x, t):
        Ws, bs = unpack(layers, theta)
        h = x
        for l, (W, b) in enumerate(zip(Ws, bs, strict=False)):
            z = anp.dot(W, h) + b
            h = z if l == len(Ws) - 1 else act(activation, z)
        return loss_value(loss, out_act, h, t)
    return f


def autograd_gradient(layers, activation, out_act, loss, theta, x, t):
    return grad(mlp_loss(layers, activation, out_act, loss))(theta, x, t)


def central_differences(f, theta, h=1e-4):
    """Seed 003's central difference (f(x+h) - f(x-h)) / 2h, coordinate by coordinate."""
    theta = np.array(theta, dtype=float)
    out = np.zeros_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        out[i] = (f(theta + e) - f(theta - e)) / (2 * h)
    return out
