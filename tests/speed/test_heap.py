"""kb.speed.heap: the collector is paused, or kept off what exists, only inside the block."""

from __future__ import annotations

import gc

from kb.speed import heap


def test_paused_restores_the_collector_as_it_was() -> None:
    assert gc.isenabled()
    with heap.paused():
        assert not gc.isenabled()
        with heap.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_frozen_objects_are_released_when_the_block_ends() -> None:
    kept = [object() for _ in range(100)]  # noqa: F841 - alive, so there is something to freeze
    with heap.frozen():
        assert gc.get_freeze_count() >= 100
    assert gc.get_freeze_count() == 0
