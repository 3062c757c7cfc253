"""kb.heap: the collector is paused or kept off the loaded records only inside the block, and nests."""

from __future__ import annotations

import gc

from kb import heap


def test_paused_restores_the_collector_as_it_was() -> None:
    assert gc.isenabled()
    with heap.paused():
        assert not gc.isenabled()
        with heap.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_frozen_objects_are_released_by_the_outermost_block() -> None:
    kept = [object() for _ in range(100)]  # noqa: F841 - alive, so there is something to freeze
    with heap.frozen():
        outer = gc.get_freeze_count()
        assert outer >= 100
        with heap.frozen():
            pass
        assert gc.get_freeze_count() >= outer  # the inner block left them frozen
    assert gc.get_freeze_count() == 0
