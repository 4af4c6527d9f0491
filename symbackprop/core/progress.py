"""One progress bar for work that takes seconds: tqdm, only when someone is watching.

A bar is shown when ``enabled`` is True, or (by default) when standard error is a terminal and
the work has at least ``minimum`` items; otherwise the context gives a do-nothing bar, so
tests, pipes and notebooks executed in CI print nothing. tqdm is optional: without it no bar
is shown.

Examples
========
>>> with progress(3, "counting", enabled=False) as bar:
...     for _ in range(3):
...         bar.update(1)
>>> bar.n
3
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["progress"]


class _Quiet:
    """A bar that only counts."""

    def __init__(self) -> None:
        self.n = 0

    def update(self, n: int = 1) -> None:
        """Count ``n`` more items done."""
        self.n += n

    def set_postfix(self, **kwargs) -> None:
        """Nothing to show."""


def _watched() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


@contextmanager
def progress(total: int, desc: str, enabled: bool | None = None,
             minimum: int = 20) -> Iterator:
    """A tqdm bar over ``total`` items (or a quiet one); closed when the block ends."""
    show = enabled if enabled is not None else (total >= minimum and _watched())
    bar = None
    if show:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            bar = None
        else:
            bar = tqdm(total=total, desc=desc, leave=False)
    if bar is None:
        yield _Quiet()
        return
    try:
        yield bar
    finally:
        bar.close()
