"""Independent work spread over the machine's cores by forked workers, when there is enough of it.

Workers are forked, so they start with the caller's objects already in memory: the function
(a closure over a whole knowledge base, say) is never pickled, only each item and each result.
Where fork is unavailable or unsafe (other threads running, as in `kb serve`), or the work is
too small to pay for the workers, it runs in-process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from kb import heap

T = TypeVar("T")
R = TypeVar("R")

_task: Callable[[Any], Any] | None = None
"""The function the forked workers run, inherited from the parent at fork time."""


def _run(item: Any) -> Any:
    assert _task is not None
    return _task(item)


def workers_for(items: int, per_worker: int) -> int:
    """How many workers `items` pieces of work pay for: one per `per_worker` items, at most one per core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(cores, items // per_worker)


def fork_map(function: Callable[[T], R], items: Sequence[T], per_worker: int, chunksize: int = 1) -> list[R]:
    """`[function(item) for item in items]`, in order, spread over the cores when there are at
    least `per_worker` items for each extra worker. Items and results must pickle."""
    workers = workers_for(len(items), per_worker)
    if workers <= 1 or threading.active_count() > 1:  # a fork copies locks other threads may hold
        return [function(item) for item in items]
    import multiprocessing  # only work this large pays for importing it

    if "fork" not in multiprocessing.get_all_start_methods():
        return [function(item) for item in items]
    global _task
    _task = function
    try:
        with heap.frozen(), multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_run, items, chunksize=chunksize)
    finally:
        _task = None
