"""Softmax cross-entropy nets, the classifiers users train: gradient time and compile time.

Run:  python benchmarks/bench_softmax.py  [--quick]

Writes its section of benchmarks/RESULTS.md and benchmarks/compile_time.png:

* the gradient of 64-32-10, 784-128-10 and 784-256-256-10 tanh nets with softmax
  cross-entropy at batch 1, 32 and 1024, as ratios to hand-written NumPy measured side by side
  in one run: the NumPy, numba and JAX backends (``f.fast`` and the checked call ``f(...)``),
  JAX's ``jit(value_and_grad)`` and PyTorch's autograd on the same function;
* the time to build and compile a net (``mlp`` + ``compile``, NumPy backend) against the hidden
  width and against the number of classes, which the matrix derivation makes flat.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_gradients import measure_side_by_side
from results import write_section

import symbackprop as sb

NETS = [[64, 32, 10], [784, 128, 10], [784, 256, 256, 10]]
BATCHES = [1, 32, 1024]


def _unpack(theta, layers, xp=np):
    out, i = [], 0
    for n_in, n_out in itertools.pairwise(layers):
        W = theta[i:i + n_in * n_out].reshape(n_out, n_in)
        i += n_in * n_out
        out.append((W, theta[i:i + n_out]))
        i += n_out
    return out


def hand_written(layers):
    """tanh hidden layers, softmax cross-entropy −Σ t log softmax(z), written with NumPy."""
    def f(theta, X, T):
        Ws = _unpack(theta, layers)
        Hs = [X]
        for W, b in Ws[:-1]:
            Hs.append(np.tanh(Hs[-1] @ W.T + b))
        W, b = Ws[-1]
        Z = Hs[-1] @ W.T + b
        S = Z - Z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(S).sum(axis=1, keepdims=True))
        total = T.sum(axis=1, keepdims=True)
        B = X.shape[0]
        loss = float(np.mean((total * lse).ravel() - (T * S).sum(axis=1)))
        D = (total * np.exp(S - lse) - T) / B
        grads = [None] * len(Ws)
        for l in range(len(Ws) - 1, -1, -1):
            grads[l] = ((D.T @ Hs[l]).ravel(), D.sum(axis=0))
            if l:
                D = (D @ Ws[l][0]) * (1 - Hs[l] ** 2)
        return loss, np.concatenate([a for pair in grads for a in pair])
    return f


def torch_fn(layers):
    try:
        import torch
    except ImportError:
        return None

    def f(theta, X, T):
        th = torch.tensor(theta, requires_grad=True, dtype=torch.float64)
        H = torch.from_numpy(X)
        Ws = _unpack(th, layers)
        for W, b in Ws[:-1]:
            H = torch.tanh(H @ W.T + b)
        W, b = Ws[-1]
        Z = H @ W.T + b
        loss = -(torch.from_numpy(T) * torch.log_softmax(Z, dim=1)).sum(dim=1).mean()
        loss.backward()
        return float(loss), th.grad.numpy()
    return f


def jax_fn(layers):
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)

    def loss(theta, X, T):
        Ws = _unpack(theta, layers)
        H = X
        for W, b in Ws[:-1]:
            H = jnp.tanh(H @ W.T + b)
        W, b = Ws[-1]
        return -jnp.mean(jnp.sum(T * jax.nn.log_softmax(H @ W.T + b, axis=1), axis=1))
    vg = jax.jit(jax.value_and_grad(loss))

    def f(theta, X, T):
        v, g = vg(theta, X, T)
        return float(v), np.asarray(g)
    return f


def gradient_table(budget: float, rng) -> tuple[list[str], list[str]]:
    try:
        import torch
        torch.set_num_threads(os.cpu_count() or 1)
    except ImportError:  # its column is left empty
        pass
    rows, notes = [], []
    for layers in NETS:
        net = sb.mlp(layers, activation="tanh", loss="softmax_ce")
        f_np = sb.compile(net)
        f_nb = sb.compile(net, backend="numba")
        f_jx = sb.compile(net, backend="jax")
        hand = hand_written(layers)
        ref_torch, ref_jax = torch_fn(layers), jax_fn(layers)
        theta = sb.init_params(net, seed=0) if hasattr(sb, "init_params") else \
            rng.normal(size=net.n_params) * 0.05
        for B in BATCHES:
            X = rng.normal(size=(B, layers[0]))
            T = np.eye(layers[-1])[rng.integers(0, layers[-1], B)]
            want = hand(theta, X, T)
            for name, fn in (("numpy", f_np), ("numba", f_nb), ("jax", f_jx),
                             ("torch", ref_torch), ("jax jit", ref_jax)):
                if fn is None:
                    continue
                got = fn(theta, X, T)
                err = np.abs(np.asarray(got[1]) - want[1]).max()
                if err > 1e-9 or abs(got[0] - want[0]) > 1e-9:
                    raise SystemExit(f"{name} disagrees with hand NumPy on {layers} at batch "
                                     f"{B}: {err}")
            fns = {"hand": hand, "np fast": f_np.fast, "np call": f_np,
                   "numba fast": f_nb.fast, "numba call": f_nb, "jax call": f_jx,
                   "jax jit": ref_jax, "torch": ref_torch}
            order = list(fns)[1:]
            ratios, best = measure_side_by_side({k: v for k, v in fns.items() if v is not None},
                                                (theta, X, T), budget, ref="hand")
            shape = "-".join(map(str, layers))
            cells = " | ".join(f"{ratios[k]:.2f}" if k in ratios else "—" for k in order)
            rows.append(f"| {shape} | {B} | {f_nb.path} | {best * 1e6:,.1f} | {cells} |")
            print(rows[-1], flush=True)
    return rows, notes


def compile_time(quick: bool) -> tuple[list[tuple[str, int, int, float]], list[str]]:
    """Seconds to build and compile (mlp + compile, NumPy backend), the best of three."""
    widths = [16, 64, 256, 1024] if quick else [16, 32, 64, 128, 256, 512, 1024, 2048]
    classes = [2, 10, 100] if quick else [2, 5, 10, 20, 50, 100, 500, 1000]
    out = []

    def seconds(layers):
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            sb.compile(sb.mlp(layers, activation="tanh", loss="softmax_ce"))
            best = min(best, time.perf_counter() - t0)
        return best

    for w in widths:
        out.append(("width", w, 10, seconds([64, w, 10])))
    for m in classes:
        out.append(("classes", 64, m, seconds([64, 64, m])))
    lines = ["| varied | hidden width | classes | parameters | mlp + compile (ms) |",
             "|---|---:|---:|---:|---:|"]
    for what, w, m, s in out:
        n = (64 + 1) * w + (w + 1) * m
        lines.append(f"| {what} | {w} | {m} | {n:,} | {s * 1e3:.1f} |")
    return out, lines


def plot(points, path: Path) -> None:
    import matplotlib
    matplotlib.use("agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    for ax, what, key, label in ((axes[0], "width", 1, "hidden width (64-w-10 net)"),
                                 (axes[1], "classes", 2, "classes (64-64-m net)")):
        xs = [p[key] for p in points if p[0] == what]
        ys = [p[3] * 1e3 for p in points if p[0] == what]
        ax.plot(xs, ys, "o-", label="mlp + compile")
        ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("build and compile time (ms)")
    axes[0].set_ylim(bottom=0)
    fig.suptitle("Compile time of softmax cross-entropy nets (NumPy backend)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer repeats (for a smoke run)")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    import jax
    import numba
    import sympy
    try:
        import torch
        torch_version = torch.__version__
    except ImportError:
        torch_version = "not installed (its column is empty)"
    rows, _ = gradient_table(0.2 if args.quick else 0.6, rng)
    points, ctable = compile_time(args.quick)
    plot(points, HERE / "compile_time.png")
    about = (f"Measured by `python benchmarks/bench_softmax.py` on {platform.machine()} "
             f"({os.cpu_count()} cores), Python {platform.python_version()}, NumPy "
             f"{np.__version__}, SymPy {sympy.__version__}, numba {numba.__version__}, JAX "
             f"{jax.__version__}, PyTorch {torch_version}. tanh hidden layers, softmax "
             "cross-entropy −Σ t log softmax(z) on one-hot targets, mean over the batch, "
             "float64; every implementation's loss and gradient checked against hand-written "
             "NumPy (to 1e-9) before it is timed. Each ratio is the median over rounds in which "
             "all run back to back, of time / time of hand NumPy in that round (lower is "
             "faster).")
    columns = ("`f.fast` is the generated function (what `train` calls); `f(...)` the checked "
               "call notebooks use. JAX's backend is called through `jax.jit`; \"JAX jit\" and "
               "\"PyTorch\" are `jax.jit(jax.value_and_grad(loss))` and `loss.backward()` on "
               "the same function written by hand.")
    header = ("| net | batch | numba path | hand NumPy (µs) | NumPy `f.fast` | NumPy `f(...)` | "
              "numba `f.fast` | numba `f(...)` | JAX backend `f(...)` | JAX jit | PyTorch |")
    flat = ("`mlp` + `compile` (NumPy backend), best of three. The network is derived on "
            "matrices, so neither the width nor the number of classes enters the derivation or "
            "the code: the time stays flat (plot: `benchmarks/compile_time.png`).")
    head = ["## Softmax cross-entropy nets (`bench_softmax.py`)", "", about, "",
            "### Gradient time relative to hand-written NumPy", "", columns, "", header,
            "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|", *rows, "",
            "### Compile time against width and class count", "", flat, "", *ctable]
    write_section("bench_softmax", "\n".join(head))
    print("\n".join(head))


if __name__ == "__main__":
    main()
