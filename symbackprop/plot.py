"""Plots for training runs (matplotlib, an optional dependency, imported when used)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import SymbackpropError

__all__ = ["atomic_write", "save_loss_curve"]


def _pyplot():
    try:
        import matplotlib
        if not os.environ.get("MPLBACKEND"):
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SymbackpropError("plotting needs matplotlib: pip install 'symbackprop[plot]'") from None
    return plt


def atomic_write(path, write) -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file into place: never half a file."""
    path = Path(path)
    if not path.parent.exists():
        raise SymbackpropError(f"the folder {str(path.parent)!r} does not exist")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def save_loss_curve(losses, path, title: str = "training loss") -> Path:
    """Save a log-scale loss curve to PNG (or SVG/PDF by the file's ending)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=120)
    ax.semilogy(range(1, len(losses) + 1), losses)
    ax.set_xlabel("step")
    ax.set_ylabel("loss (log scale)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    try:
        return atomic_write(path, lambda tmp: fig.savefig(tmp, format=Path(path).suffix[1:] or "png"))
    finally:
        plt.close(fig)


def plot_size_study(rows, path=None, title: str = "Size of ∂L/∂w for the first weight"):
    """Log-scale sizes against depth, one colour per width: expanded, chain, backprop."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.4), dpi=120)
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
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    if path is not None:
        fmt = Path(path).suffix[1:] or "png"
        atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt))
    return fig
