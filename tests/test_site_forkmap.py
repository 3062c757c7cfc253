"""kb.site.forkmap: a map in forked workers gives what the plain loop gives, logs and errors included."""

from __future__ import annotations

import logging
import threading

import pytest

from kb.site import forkmap

LOGGER = "kb-test-forkmap"


def _square_and_log(n: int) -> int:
    if n % 10 == 0:
        logging.getLogger(f"{LOGGER}.child").warning("at %d", n)
    return n * n


def test_results_and_log_records_come_back_in_item_order(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        got = forkmap.fork_map(list(range(100)), _square_and_log, 2, LOGGER)
    assert got == [n * n for n in range(100)]
    assert [r.getMessage() for r in caplog.records] == [f"at {n}" for n in range(0, 100, 10)]
    assert {r.name for r in caplog.records} == {f"{LOGGER}.child"}


def _fail_at_42(n: int) -> int:
    logging.getLogger(LOGGER).warning("before %d", n)
    if n == 42:
        raise ValueError(f"bad item {n}")
    return n


def test_a_worker_error_is_raised_after_the_records_before_it(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER), pytest.raises(ValueError, match="bad item 42"):
        forkmap.fork_map(list(range(100)), _fail_at_42, 2, LOGGER)
    messages = [r.getMessage() for r in caplog.records]
    assert messages[-1] == "before 42" and messages == [f"before {n}" for n in range(43)]


def _unpicklable(n: int) -> int:
    class Local(Exception):
        pass

    raise Local(f"local {threading.Lock()}")


def test_an_error_that_cannot_travel_becomes_a_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="Local: local"):
        forkmap.fork_map([1, 2, 3], _unpicklable, 2)
