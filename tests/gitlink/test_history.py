"""kb/gitlink/history.py: trailer and revert mentions, cached between runs without going stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.gitlink.gitrepo import Repository
from kb.gitlink.history import scan_history
from kb.store.config import discover
from tests.gitrepos import World, build_world


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build_world(tmp_path)


def scan(world: World) -> set[str]:
    config = discover(world.root)
    with Repository(world.app.path) as repo:
        return {m.hash for m in scan_history(config, [(None, repo)])[None]}


def test_the_cache_is_read_then_topped_up_with_new_commits(world: World) -> None:
    assert scan(world) == {world.traced, world.revert}
    cache = world.root / ".kb-cache" / "history" / "default.json"
    marked = "f" * 40  # planted in the cache: seen again only if the cache is what was read
    cache.write_text(cache.read_text().replace(f'["{world.traced}"', f'["{marked}"'))
    assert scan(world) == {marked, world.revert}
    newer = world.app.commit("chore: more\n\nRefs: F-probe-timing-22222")
    assert scan(world) == {marked, world.revert, newer}
    assert newer in cache.read_text()


def test_history_dropped_from_every_branch_is_forgotten(world: World) -> None:
    scan(world)
    world.app.git("reset", "-q", "--hard", world.reverted)  # drops the revert, as a force-push would
    assert scan(world) == {world.traced}


def test_a_cache_for_another_repository_or_other_trailers_is_ignored(world: World) -> None:
    scan(world)
    cache = world.root / ".kb-cache" / "history" / "default.json"
    cache.write_text(cache.read_text().replace(str(world.app.path), "/elsewhere").replace(world.traced, "0" * 40))
    assert scan(world) == {world.traced, world.revert}
    cache.write_text("not json")
    assert scan(world) == {world.traced, world.revert}
