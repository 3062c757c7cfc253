"""kb.parallel: forked workers give the in-process answer, in order, and only when the work pays."""

from __future__ import annotations

import os
import threading

import pytest

from kb.parallel import fork_map, workers_for

CORES = workers_for(1_000_000, 1)
needs_cores = pytest.mark.skipif(CORES < 2, reason="one core: the work never leaves the process")


def test_the_work_has_to_pay_for_each_worker() -> None:
    assert workers_for(99, 100) == 0
    assert workers_for(250, 100) == min(CORES, 2)


@needs_cores
def test_forked_workers_run_closures_and_keep_the_order() -> None:
    offset = {"n": 1000}  # reached through the closure, never pickled
    result = fork_map(lambda i: (i + offset["n"], os.getpid()), list(range(200)), per_worker=10, chunksize=5)
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
