"""The cyclic garbage collector kept off the big, long-lived heap of a loaded knowledge base.

Loading 19,000 records makes millions of objects that live until the process ends and form no
garbage cycles; left alone, the collector would walk all of them again and again (half a second
on a 10,000-finding knowledge base). Both helpers restore the collector when the block ends,
so a long-running process (`kb serve`) still collects whatever the block left behind.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block (made for building many long-lived objects)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def frozen() -> Iterator[None]:
    """Every object that exists now is left out of cyclic collections until the block ends:
    workers forked inside it then also leave the pages they share with their parent alone."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
