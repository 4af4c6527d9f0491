"""numba on a quiet and on a busy machine, and the checked call beside ``f.fast``.

Run:  python benchmarks/bench_busy.py  [--quick]

Busy means one process spinning (``while True: pass``) on every core this process may use,
started and stopped by this script. Every number is a ratio of times measured side by side in
one run (see ``measure``), never an absolute time. The
tables replace their own sections of benchmarks/RESULTS.md, or are appended to it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_gradients import best_time, hand_written

import symbackprop as sb

BUSY_NETS = [[2, 2, 1], [2, 4, 4, 1], [4, 8, 8, 1], [64, 32, 10]]
BUSY_BATCH = 1024
CALL_NETS = [[2, 2, 1], [2, 4, 4, 1], [64, 32, 10]]
CALL_BATCHES = [1, 32]
BUSY_HEADING = "## numba on a quiet and on a busy machine"
CALL_HEADING = "## The checked call beside `f.fast`"


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def spinning(n: int):
    """``n`` other processes, each keeping a core busy, for the time of the block."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        time.sleep(0.5)  # let them start spinning
        yield
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def numba_ways(f):
    """numba's gradient run each way by hand: always threaded (what the code did before it
    chose), and always on one thread."""
    fns = next(v for v in __import__("symbackprop.numeric.loops", fromlist=["_CACHE"])
               ._CACHE.values() if v["_grad"] is f.raw)
    P = len(f.params)

    def threads(theta, X, T):
        return fns["_grad_threads"](theta, X, T)

    def one(theta, X, T):
        g = np.zeros(P)
        loss = fns["_chunk"](theta, X, T, 0, X.shape[0], g)
        return loss / X.shape[0], g / X.shape[0]
    return threads, one


def measure(fns: dict, args, rounds: int, ref: str) -> dict[str, float]:
    """Each function's time / the reference's, the median over ``rounds`` rounds; a round
    times every function once (about 10 ms of calls each), in a fresh shuffled order.

    Like bench_gradients.measure_side_by_side, but the calls per round come from the median
    of several calls, not from the first one (on a loaded machine the first call can wait
    milliseconds for a core), and the number of rounds is fixed."""
    calls = {}
    for k, fn in fns.items():
        once = []
        for _ in range(5):
            t0 = time.perf_counter()
            fn(*args)
            once.append(time.perf_counter() - t0)
        calls[k] = max(1, int(0.01 / max(float(np.median(once)), 1e-7)))
    ratios = {k: [] for k in fns}
    order = list(fns)
    shuffle = np.random.default_rng(1)
    for _ in range(rounds):
        shuffle.shuffle(order)
        t = {k: best_time(fns[k], args, calls[k], 1) for k in order}
        for k in fns:
            ratios[k].append(t[k] / t[ref])
    return {k: float(np.median(v)) for k, v in ratios.items()}


def ways_run(f) -> dict[int, int]:
    """How many calls of ``f``'s gradient at the measured batch ran each way so far."""
    pace = getattr(f.raw, "py_func", None)
    pace = pace.__globals__.get("_pace") if pace is not None else None
    if pace is None:
        return {}
    times = pace.sizes.get(BUSY_BATCH.bit_length())
    return dict(times.count) if times is not None else {}


def busy_table(rounds: int) -> list[str]:
    import numba
    rng = np.random.default_rng(0)
    cols = ["numba `f.fast` (chooses)", "numba `f(...)`", "numba always threaded",
            "numba one thread", "NumPy backend `f.fast`"]
    setups = []
    for layers in BUSY_NETS:
        net = sb.mlp(layers, activation="sigmoid")
        fb, fn = sb.compile(net, backend="numba"), sb.compile(net)
        fns = {"hand NumPy": hand_written(layers), "numba `f.fast` (chooses)": fb.fast,
               "numba `f(...)`": fb, "NumPy backend `f.fast`": fn.fast}
        if fb.fast is fb.raw:  # small nets: the loops, threaded or not
            fns["numba always threaded"], fns["numba one thread"] = numba_ways(fb)
        theta = rng.normal(size=len(fb.params)) * 0.5
        X = rng.normal(size=(BUSY_BATCH, layers[0]))
        T = rng.uniform(size=(BUSY_BATCH, layers[-1]))
        ref = fns["hand NumPy"](theta, X, T)
        for k, fn_ in fns.items():  # all agree before anything is timed
            loss, g = fn_(theta, X, T)
            assert abs(float(loss) - ref[0]) <= 1e-9 * max(1, abs(ref[0])), k
            assert np.allclose(np.asarray(g), ref[1], rtol=1e-7, atol=1e-12), k
        setups.append((layers, fb, fns, (theta, X, T)))
    rows, used = {}, {}
    n = cores()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    for state in ("quiet", "busy"):
        with spinning(n) if state == "busy" else contextlib.nullcontext():
            for layers, fb, fns, args in setups:
                before = ways_run(fb)
                r = measure(fns, args, rounds, ref="hand NumPy")
                after = ways_run(fb)
                rows[tuple(layers), state] = r
                used[tuple(layers), state] = {w: after.get(w, 0) - before.get(w, 0)
                                              for w in after}
                print("measured", state, layers, used[tuple(layers), state], flush=True)
    lines = [BUSY_HEADING, "",
             (f"Measured by `python benchmarks/bench_busy.py` on {platform.machine()} "
              f"({n} cores for this process), numba {numba.__version__} (threading layer "
              f"{numba.threading_layer()}, {numba.get_num_threads()} threads). Busy: {n} other "
              "processes spinning (`while True: pass`), one per core, started by the script; "
              "quiet: none started (whatever else runs on the machine runs on: its load "
              f"average was {load:.1f} when the quiet rounds began). "
              f"Batch {BUSY_BATCH}, sigmoid nets, E = ½ Σ (t − ŷ)². Ratio = time / time of "
              "hand-written NumPy backprop under the same load, the median over rounds in "
              "which every column runs about 10 ms, back to back, in a shuffled order (lower "
              "is faster). `f.fast` picks, call by call, the way that was "
              "fastest lately (threads, one thread, or the NumPy backend's matrix code: "
              "`symbackprop.numeric.loops.Pace`); the two columns after it force one way "
              "(the loops threaded, as before the choice, or on one thread; nets past 400 "
              "parameters use NumPy's BLAS code at this batch and have no loops to force)."),
             "", "| net | machine | " + " | ".join(cols) + " | ways `f` ran (one thread / "
             "threads / NumPy) |", "|---|---|" + "---:|" * len(cols) + "---|"]
    for layers, *_ in setups:
        for state in ("quiet", "busy"):
            r, u = rows[tuple(layers), state], used[tuple(layers), state]
            total = sum(u.values())
            share = (" / ".join(f"{100 * u.get(w, 0) / total:.0f}%" for w in (0, 1, 2))
                     if total else "BLAS (NumPy) at this batch")
            lines.append(f"| {'-'.join(map(str, layers))} | {state} | "
                         + " | ".join(f"{r[c]:.2f}" if c in r else "–" for c in cols)
                         + f" | {share} |")
    loops = [layers for layers, fb, *_ in setups if fb.fast is fb.raw]
    worst = max(rows[tuple(layers), s]["numba `f.fast` (chooses)"]
                for layers in loops for s in ("quiet", "busy"))
    met = round(worst, 2) <= 1.0
    lines += ["", (f"Target: numba never behind hand NumPy, quiet or busy (`f.fast` at most "
                   f"1.0× for the nets that run numba's loops at this batch, "
                   f"{', '.join('-'.join(map(str, n)) for n in loops)}): largest ratio "
                   f"{worst:.2f} ({'met' if met else 'missed'}). The nets past 400 "
                   "parameters run the NumPy backend's own code at this batch (BLAS), level "
                   "with it by construction; on a loaded machine OpenBLAS's own threads make "
                   "those times jump (a matmul that finds its threads asleep waits for cores "
                   "to wake them, so a call that spends a few microseconds on checks first can "
                   "pay for it), for numba's columns and NumPy's alike.")]
    return lines


def call_table(rounds: int) -> list[str]:
    rng = np.random.default_rng(1)
    lines = [CALL_HEADING, "",
             ("`f(theta, X, T)` checks types, shapes and finite values of its arguments and "
              "of its result; `f.fast` is the unchecked function. Ratio = time of `f(...)` / "
              "time of `f.fast` on the same arrays (float64, C-ordered: the usual case), "
              "measured side by side by `python benchmarks/bench_busy.py` (the median over "
              "rounds of about 10 ms each, back to back). numba takes its automatic path (the loops here)."), "",
             "| net | batch | NumPy `f(...)` / `f.fast` | numba `f(...)` / `f.fast` |",
             "|---|---:|---:|---:|"]
    worst = {"numpy": 0.0, "numba": 0.0}
    small = {}
    for layers in CALL_NETS:
        net = sb.mlp(layers, activation="sigmoid")
        compiled = {be: sb.compile(net, backend=be) for be in ("numpy", "numba")}
        theta = rng.normal(size=len(compiled["numpy"].params)) * 0.5
        cells = []
        for B in CALL_BATCHES:
            X = rng.normal(size=(B, layers[0]))
            T = rng.uniform(size=(B, layers[-1]))
            ratio = {}
            for be, f in compiled.items():
                r = measure({"fast": f.fast, "call": f}, (theta, X, T), rounds, ref="fast")
                ratio[be] = r["call"]
                if B == 1:
                    worst[be] = max(worst[be], r["call"])
                    if layers == [2, 2, 1]:
                        small[be] = r["call"]
            cells.append((B, ratio))
        for B, ratio in cells:
            lines.append(f"| {'-'.join(map(str, layers))} | {B} | {ratio['numpy']:.2f} | "
                         f"{ratio['numba']:.2f} |")
        print("measured calls", layers, flush=True)
    def verdict(be, limit):
        return "met" if round(small[be], 2) <= limit else "missed"
    lines += ["", (f"Targets at batch 1 for the 2-2-1 net: NumPy `f(...)` within 1.3× of "
                   f"`f.fast` ({small['numpy']:.2f}: {verdict('numpy', 1.3)}), numba within "
                   f"2.5× ({small['numba']:.2f}: {verdict('numba', 2.5)}). Largest over these "
                   f"nets at batch 1: NumPy {worst['numpy']:.2f}, numba {worst['numba']:.2f} "
                   "(64-32-10's 2,410 parameters and as many gradient entries are each summed "
                   "once to see that they are finite).")]
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer repeats (for a smoke run)")
    args = ap.parse_args()
    rounds = 11 if args.quick else 41
    calls = call_table(rounds)
    busy = busy_table(rounds)
    from results import write_section  # this folder's helper: one section per script
    demote = [ln.replace("## ", "### ", 1) if ln.startswith("## ") else ln
              for ln in [*busy, "", *calls]]
    write_section("bench_busy", "\n".join(["## Calls and threads (`bench_busy.py`)", "",
                                            *demote]))
    print("\n".join([*calls, "", *busy]))


if __name__ == "__main__":
    main()
