"""A map over items shared among forked worker processes, for the site build's per-page loops.

The workers are forked, so they start with everything the parent has loaded (the knowledge
base, MkDocs' configuration and pages) and only the results travel back, pickled, in item
order. A worker's log records under one logger come back too and are logged again in the
parent, in item order, so its handlers (counting, collecting) see them as in a serial run.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import pickle
from collections.abc import Callable, Sequence
from typing import Any

PER_PROCESS_MIN = 250
"""Items per worker process below which forking costs more than it saves."""
CHUNKS_PER_PROCESS = 8
"""Chunks each worker takes in turn, so one slow chunk does not leave the other cores idle."""

LogEntry = tuple[str, int, str]
"""A log record a worker made: logger name, level and message."""

_job: tuple[Sequence[Any], Callable[[Any], Any], str | None] | None = None
"""The items, the work and the logger of the current `fork_map`, inherited by the forked workers."""


def processes(items: int) -> int:
    """How many processes to share `items` items among: 1 (no fork) when they are few or fork is missing."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(min(os.cpu_count() or 1, items // PER_PROCESS_MIN), 1)


def fork_map(items: Sequence[Any], work: Callable[[Any], Any], workers: int, logger: str | None = None) -> list[Any]:
    """`[work(item) for item in items]` computed by `workers` forked processes.

    Records logged under `logger` in the workers are logged again here. A worker's exception
    is raised here, after the records logged before it (as a RuntimeError if it cannot be pickled).
    """
    global _job
    size = max(len(items) // (workers * CHUNKS_PER_PROCESS), 1)
    chunks = [range(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    _job = (items, work, logger)
    gc.freeze()  # the workers' collections then skip the inherited objects instead of copying and walking them
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            outcomes = pool.map(_work, chunks, chunksize=1)
    finally:
        gc.unfreeze()
        _job = None
    results: list[Any] = []
    for chunk_results, error in outcomes:
        for result, records in chunk_results:
            for name, level, message in records:
                record = {"name": name, "levelno": level, "levelname": logging.getLevelName(level), "msg": message}
                logging.getLogger(name).handle(logging.makeLogRecord(record))
            results.append(result)
        if error is not None:
            raise error
    return results


class _Capture(logging.Handler):
    """Every record a worker logs under the job's logger, kept to be logged again by the parent."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[LogEntry] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def _work(indices: range) -> tuple[list[tuple[Any, list[LogEntry]]], BaseException | None]:
    """In a worker: the job on these items, each result with its log records, or the error that stopped it."""
    assert _job is not None
    items, work, name = _job
    logger = logging.getLogger(name) if name else None
    capture = _Capture()
    if logger is not None:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)  # the parent's handlers: their copies here would count nothing
        logger.addHandler(capture)
    results: list[tuple[Any, list[LogEntry]]] = []
    try:
        for i in indices:
            capture.records = []
            results.append((work(items[i]), capture.records))
    except Exception as err:
        results.append((None, capture.records))
        return results, _picklable(err)
    finally:
        if logger is not None:
            logger.removeHandler(capture)
    return results, None


def _picklable(err: Exception) -> BaseException:
    try:
        pickle.loads(pickle.dumps(err))
    except Exception:
        return RuntimeError(f"{type(err).__name__}: {err}")
    return err
