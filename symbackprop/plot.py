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
