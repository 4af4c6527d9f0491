"""Plots for training runs and size studies (matplotlib, an optional extra, imported when used).

Every figure is saved atomically through :mod:`symbackprop.io`: PNG, SVG or PDF by the file's
ending, and an existing file is kept unless ``force=True``.
"""

from __future__ import annotations

import decimal
import math
import numbers
import os
from pathlib import Path

from ..core.errors import InputTypeError, InvalidValueError, LimitError, MissingDependencyError

__all__ = ["FORMATS", "MAX_FIGURE_INCHES", "MAX_FIGURE_PIXELS", "check_figsize",
           "check_figure_path", "plot_size_study", "save_figure", "save_loss_curve"]

FORMATS = ("png", "svg", "pdf")

MAX_FIGURE_INCHES = 500
"""Longest side of a figure, in inches (at 110 dpi, 55,000 pixels: under matplotlib's 2^16)."""

MAX_FIGURE_PIXELS = 64_000_000
"""Most pixels in a figure (width x height x dpi^2): its image takes 4 bytes a pixel."""


def check_figsize(figsize, dpi: float, what: str = "figsize") -> tuple[float, float]:
    """``figsize`` as (width, height) in inches: two positive finite numbers, within
    :data:`MAX_FIGURE_INCHES` a side and :data:`MAX_FIGURE_PIXELS` pixels at ``dpi``."""
    expected = "a pair (width, height) of positive numbers of inches, e.g. (8, 5)"
    if isinstance(figsize, (str, bytes)) or not hasattr(figsize, "__len__") \
            or len(figsize) != 2:
        raise InputTypeError(f"{what} must be {expected}; not {type(figsize).__name__} "
                             f"{figsize!r}")
    sides = []
    for v in figsize:
        if isinstance(v, bool) or not isinstance(v, (numbers.Real, decimal.Decimal)):
            raise InputTypeError(f"{what} must be {expected}; {v!r} is not a number")
        v = float(v)
        if not (math.isfinite(v) and v > 0):
            raise InvalidValueError(f"{what} must be {expected}; got {tuple(figsize)!r}")
        sides.append(v)
    w, h = sides
    if max(w, h) > MAX_FIGURE_INCHES or w * h * dpi * dpi > MAX_FIGURE_PIXELS:
        side = math.sqrt(MAX_FIGURE_PIXELS) / dpi
        raise LimitError(
            f"{what} {w:g} x {h:g} inches is {w * dpi:,.0f} x {h * dpi:,.0f} pixels at {dpi:g} "
            f"dpi; the limit is {MAX_FIGURE_INCHES} inches a side and {MAX_FIGURE_PIXELS:,} "
            f"pixels (about {side:.0f} x {side:.0f} inches)")
    return w, h


def close(fig) -> None:
    """Let pyplot forget a figure (the Figure itself stays usable)."""
    pyplot().close(fig)


def pyplot():
    """``matplotlib.pyplot``, headless unless a backend was chosen; a clear error without it."""
    try:
        import matplotlib
        if not os.environ.get("MPLBACKEND") and "matplotlib.pyplot" not in __import__("sys").modules:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingDependencyError(
            "plotting needs matplotlib: pip install 'symbackprop[plot]'") from None
    return plt


def check_figure_path(path, force: bool = False) -> Path:
    """Check a figure's path before any work: a known format, a folder that exists, no file
    in the way (unless ``force``)."""
    from ..io import check_writable
    path = check_writable(path, force)
    fmt = path.suffix[1:].lower()
    if fmt not in FORMATS:
        ending = path.suffix or "a file without an ending"
        raise InvalidValueError(f"cannot save a figure as {ending!r}; use one of: "
                                f"{', '.join('.' + f for f in FORMATS)}")
    return path


def save_figure(fig, path, force: bool = False) -> Path:
    """Save a matplotlib figure atomically (format from the file's ending)."""
    from ..io import write_with
    path = check_figure_path(path, force)
    return write_with(path, lambda fh: fig.savefig(fh, format=path.suffix[1:].lower()), force)


def save_loss_curve(losses, path, title: str = "training loss", force: bool = False) -> Path:
    """Save a log-scale loss curve to PNG (or SVG/PDF by the file's ending)."""
    check_figure_path(path, force)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=120)
    ax.semilogy(range(1, len(losses) + 1), losses)
    ax.set_xlabel("step")
    ax.set_ylabel("loss (log scale)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    try:
        return save_figure(fig, path, force)
    finally:
        plt.close(fig)


def plot_size_study(rows, path=None, title: str = "Size of ∂L/∂w for the first weight",
                    force: bool = False):
    """Log-scale sizes against depth, one colour per width: expanded, chain, backprop."""
    if path is not None:
        check_figure_path(path, force)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.4), dpi=120)
    widths = sorted({r["width"] for r in rows})
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, w in enumerate(widths):
        rs = sorted((r for r in rows if r["width"] == w), key=lambda r: r["depth"])
        d = [r["depth"] for r in rs]
        c = colors[i % len(colors)]
        ax.semilogy(d, [r["expanded_tree"] for r in rs], "-o", color=c, ms=3,
                    label=f"width {w}: expanded")
        ax.semilogy(d, [r["chain_tree"] for r in rs], ":", color=c, label=f"width {w}: chain")
        ax.semilogy(d, [r["backprop_tree"] for r in rs], "--", color=c,
                    label=f"width {w}: backprop (all gradients)")
    ax.set_xlabel("hidden layers (depth)")
    ax.set_ylabel("nodes in the expression tree (log)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    # beside the axes, so that no line runs under it: the colour says the width, the style the
    # form
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    fig.tight_layout()
    if path is not None:
        try:
            save_figure(fig, path, force)
        finally:  # saved (or not): pyplot forgets it, so figures made in a loop never pile up
            close(fig)
    return fig
