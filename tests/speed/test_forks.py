"""kb.speed.forks: forked workers give the in-process answer, logs and errors included, in order,
and only when the work pays."""

from __future__ import annotations

import logging
import os
import threading

import pytest

from kb.speed.forks import fork_map, workers_for

pytestmark = pytest.mark.speed
CORES = workers_for(1_000_000, 1)
needs_cores = pytest.mark.skipif(CORES < 2, reason="one core: the work never leaves the process")
LOGGER = "kb-test-parallel"


def test_the_work_has_to_pay_for_each_worker() -> None:
    assert workers_for(99, 100) == 1
    assert workers_for(250, 100) == min(CORES, 2)


@needs_cores
def test_forked_workers_run_closures_and_keep_the_order() -> None:
    offset = {"n": 1000}  # reached through the closure, never pickled
    result = fork_map(lambda i: (i + offset["n"], os.getpid()), list(range(200)), per_worker=10)
    assert [value for value, _ in result] == list(range(1000, 1200))
    assert os.getpid() not in {pid for _, pid in result}


def test_small_work_stays_in_process() -> None:
    assert fork_map(lambda i: os.getpid(), [1, 2, 3], per_worker=10) == [os.getpid()] * 3


@needs_cores
def test_a_process_running_threads_does_not_fork() -> None:
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert set(fork_map(lambda i: os.getpid(), list(range(200)), per_worker=10)) == {os.getpid()}
    finally:
        release.set()
        other.join()


def _square_and_log(n: int) -> int:
    if n % 10 == 0:
        logging.getLogger(f"{LOGGER}.child").warning("at %d", n)
    return n * n


@needs_cores
def test_log_records_come_back_in_item_order(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        got = fork_map(_square_and_log, list(range(100)), per_worker=10, logger=LOGGER)
    assert got == [n * n for n in range(100)]
    assert [r.getMessage() for r in caplog.records] == [f"at {n}" for n in range(0, 100, 10)]
    assert {r.name for r in caplog.records} == {f"{LOGGER}.child"}


def _fail_at_42(n: int) -> int:
    logging.getLogger(LOGGER).warning("before %d", n)
    if n == 42:
        raise ValueError(f"bad item {n}")
    return n


@needs_cores
def test_a_worker_error_is_raised_after_the_records_before_it(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER), pytest.raises(ValueError, match="bad item 42"):
        fork_map(_fail_at_42, list(range(100)), per_worker=10, logger=LOGGER)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [f"before {n}" for n in range(43)]


def _unpicklable(n: int) -> int:
    class Local(Exception):
        pass

    raise Local(f"local {threading.Lock()}")


@needs_cores
def test_an_error_that_cannot_travel_becomes_a_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="Local: local"):
        fork_map(_unpicklable, list(range(20)), per_worker=10)
