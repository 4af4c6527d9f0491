"""Plots for training runs and size studies (matplotlib, an optional extra, imported when used).

Every figure is saved atomically through :mod:`symbackprop.io`: PNG, SVG or PDF by the file's
ending, and an existing file is kept unless ``force=True``.
"""

from __future__ import annotations

import decimal
import math
import numbers
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..core.errors import InputTypeError, InvalidValueError, LimitError, MissingDependencyError

__all__ = ["FORMATS", "MAX_FIGURE_INCHES", "MAX_FIGURE_PIXELS", "check_figsize",
           "check_figure_path", "new_figure", "plot_size_study", "save_figure",
           "save_loss_curve"]

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


def _check_title(title) -> None:
    if not isinstance(title, str):
        raise InputTypeError(f"title must be a str, not {type(title).__name__}")


def _losses(losses) -> list[float]:
    """A loss history as a list of floats, or an error naming what is wrong."""
    if isinstance(losses, (str, bytes, Mapping)) or not isinstance(losses, Iterable):
        raise InputTypeError(f"losses must be a sequence of numbers (one per step), not "
                             f"{type(losses).__name__}")
    out = []
    for i, v in enumerate(losses):
        if isinstance(v, bool) or not isinstance(v, (numbers.Real, decimal.Decimal)):
            raise InputTypeError(f"losses[{i}] is {v!r}; losses must be numbers, one per step")
        if not math.isfinite(float(v)):
            raise InvalidValueError(f"losses[{i}] is {v!r}; losses must be finite numbers")
        out.append(float(v))
    if not out:
        raise InvalidValueError("losses is empty: there is no curve to draw")
    return out


_SIZE_KEYS = ("width", "depth", "expanded_tree", "chain_tree", "backprop_tree")


def _size_rows(rows) -> list:
    if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Iterable):
        raise InputTypeError(f"rows must be a list of the size study's rows (dicts), not "
                             f"{type(rows).__name__}")
    rows = list(rows)
    for i, r in enumerate(rows):
        if not isinstance(r, Mapping):
            raise InputTypeError(f"rows[{i}] must be a dict, not {type(r).__name__}")
        missing = [k for k in _SIZE_KEYS if k not in r]
        if missing:
            raise InvalidValueError(f"rows[{i}] has no {', '.join(missing)}; each row needs "
                                    f"{', '.join(_SIZE_KEYS)} (as size_study makes them)")
        for k in _SIZE_KEYS:
            v = r[k]
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not v > 0:  # type: ignore[operator]
                raise InvalidValueError(f"rows[{i}][{k!r}] is {v!r}; expected a positive number")
    if not rows:
        raise InvalidValueError("rows is empty: there is nothing to plot")
    return rows


def new_figure(figsize: tuple[float, float], dpi: float, shown: bool = True):
    """A new matplotlib Figure. ``shown``: made through pyplot, so a notebook shows it; else
    a Figure that pyplot never holds (for one saved to a file: figures made in a loop never
    pile up in pyplot, and each is freed once dropped)."""
    plt = pyplot()
    if shown:
        return plt.figure(figsize=figsize, dpi=dpi)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def pyplot():
    """``matplotlib.pyplot``, headless unless a backend was chosen; a clear error without it."""
    try:
        import matplotlib
        modules = __import__("sys").modules
        # a notebook's kernel (ipykernel) chooses its own inline backend: leave it to it
        if not (os.environ.get("MPLBACKEND") or "matplotlib.pyplot" in modules
                or "ipykernel" in modules):
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
    if not isinstance(force, bool):
        raise InputTypeError(f"force must be True or False, not {force!r}")
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
    """Save a log-scale loss curve to PNG (or SVG/PDF by the file's ending).

    ``losses`` is a non-empty sequence of finite numbers, one per step.
    """
    losses = _losses(losses)
    _check_title(title)
    check_figure_path(path, force)
    fig = new_figure((6, 3.6), 120, shown=False)
    ax = fig.add_subplot()
    ax.semilogy(range(1, len(losses) + 1), losses)
    ax.set_xlabel("step")
    ax.set_ylabel("loss (log scale)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path, force)


def plot_size_study(rows, path=None, title: str = "Size of ∂L/∂w for the first weight",
                    force: bool = False):
    """Log-scale sizes against depth, one colour per width: expanded, chain, backprop.

    ``rows`` are those of :func:`~symbackprop.render.sizes.size_study` (dicts with ``width``,
    ``depth``, ``expanded_tree``, ``chain_tree`` and ``backprop_tree``).
    """
    rows = _size_rows(rows)
    _check_title(title)
    if path is not None:
        check_figure_path(path, force)
    fig = new_figure((9, 4.4), 120, shown=path is None)
    ax = fig.add_subplot()
    widths = sorted({r["width"] for r in rows})
    colors = pyplot().rcParams["axes.prop_cycle"].by_key()["color"]
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
        save_figure(fig, path, force)
    return fig
