"""Independent work spread over the machine's cores by forked workers, when there is enough of it.

Workers are forked, so they start with everything the caller has loaded (a whole knowledge base,
MkDocs' pages): neither the function, a closure say, nor the items are pickled, only the results,
which come back in item order. Records a worker logs under the given logger come back too and
are logged again in the parent, in item order, so its handlers (counting, collecting) see them
as in a serial run; a worker's exception is raised in the parent after the records logged
before it (as a RuntimeError if it cannot be pickled). Where fork is unavailable or unsafe
(other threads running, as in `kb serve`), the work is too small to pay for the workers, or
KB_NO_SPEED is set, it runs in-process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from kb.speed import enabled, heap

T = TypeVar("T")
R = TypeVar("R")

CHUNKS_PER_WORKER = 8
"""Chunks each worker takes in turn, so one slow chunk does not leave the other cores idle."""

LogEntry = tuple[str, int, str]
"""A log record a worker made: logger name, level and message."""

_job: tuple[Sequence[Any], Callable[[Any], Any], str | None] | None = None
"""The items, the function and the logger of the current `fork_map`, inherited by the workers."""


def workers_for(items: int, per_worker: int) -> int:
    """How many workers `items` pieces of work pay for: one per `per_worker` items, at most one
    per core; 1 (no fork) when they pay for fewer, forking is unavailable or unsafe, or speed is
    off (kb.speed.enabled)."""
    if not enabled():
        return 1
    if not hasattr(os, "fork") or threading.active_count() > 1:  # a fork copies locks other threads may hold
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(min(cores, items // per_worker), 1)


def fork_map(function: Callable[[T], R], items: Sequence[T], per_worker: int, logger: str | None = None) -> list[R]:
    """`[function(item) for item in items]`, in order, spread over the cores when there are at
    least `per_worker` items for each worker; records logged under `logger` are carried back."""
    workers = workers_for(len(items), per_worker)
    if workers < 2:
        return [function(item) for item in items]
    import multiprocessing  # only work this large pays for importing it

    global _job
    size = max(len(items) // (workers * CHUNKS_PER_WORKER), 1)
    chunks = [range(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    _job = (items, function, logger)
    try:
        with heap.frozen(), multiprocessing.get_context("fork").Pool(workers) as pool:
            outcomes = pool.map(_work, chunks, chunksize=1)
    finally:
        _job = None
    results: list[R] = []
    for chunk_results, error in outcomes:
        for result, records in chunk_results:
            if records:
                _log_again(records)
            results.append(result)
        if error is not None:
            raise error
    return results


def _work(indices: range) -> tuple[list[tuple[Any, list[LogEntry]]], BaseException | None]:
    """In a worker: the function on these items, each result with its log records, or the error that stopped it."""
    assert _job is not None
    items, function, name = _job
    records: list[LogEntry] = []
    release = _capture(name, records) if name else None
    results: list[tuple[Any, list[LogEntry]]] = []
    before = 0
    try:
        for i in indices:
            before = len(records)
            results.append((function(items[i]), records[before:]))
    except Exception as err:
        results.append((None, records[before:]))
        return results, _picklable(err)
    finally:
        if release is not None:
            release()
    return results, None


def _capture(name: str, records: list[LogEntry]) -> Callable[[], None]:
    """In a worker: what is logged under `name` goes to `records` instead of the parent's handlers
    (whose copies here would count nothing); returns the function that ends this."""
    import logging  # only forked work with a logger needs it: kb's start-up does not pay for it

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append((record.name, record.levelno, record.getMessage()))

    logger, capture = logging.getLogger(name), Capture()
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.addHandler(capture)
    return lambda: logger.removeHandler(capture)


def _log_again(records: list[LogEntry]) -> None:
    """In the parent: a worker's records, logged as if made here."""
    import logging

    for name, level, message in records:
        record = {"name": name, "levelno": level, "levelname": logging.getLevelName(level), "msg": message}
        logging.getLogger(name).handle(logging.makeLogRecord(record))


def _picklable(err: Exception) -> BaseException:
    import pickle

    try:
        pickle.loads(pickle.dumps(err))
    except Exception:
        return RuntimeError(f"{type(err).__name__}: {err}")
    return err
