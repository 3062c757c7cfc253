"""kb/gitlink/history.py: trailer and revert mentions, cached between runs without going stale."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kb.gitlink.gitrepo import Repository
from kb.gitlink.history import scan_history
from kb.store.config import discover
from tests.cachefiles import data, rewrite
from tests.gitrepos import World, build_world

pytestmark = pytest.mark.speed
MARKED = "f" * 40
"""A hash planted in the cache: seen again only if the cache is what was read."""


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build_world(tmp_path)


def scan(world: World, name: str | None = None, path: Path | None = None) -> set[str]:
    """The mentioned commits of the repository at `path` (default: app's), cited by `name`."""
    config = discover(world.root)
    with Repository(path or world.app.path) as repo:
        return {m.hash for m in scan_history(config, [(name, repo)])[name]}


def cache(world: World, name: str = "default") -> Path:
    return world.root / ".kb-cache" / "history" / f"{name}.marshal"


def plant(world: World) -> None:
    """Put MARKED in the cache in place of the traced commit."""

    def marked(stored: dict[str, Any]) -> dict[str, Any]:
        mentions = [(MARKED if m[0] == world.traced else m[0], *m[1:]) for m in stored["mentions"]]
        return {**stored, "mentions": mentions}

    rewrite(cache(world), marked)


def test_the_cache_is_read_then_topped_up_with_new_commits(world: World) -> None:
    assert scan(world) == {world.traced, world.revert}
    plant(world)
    assert scan(world) == {MARKED, world.revert}
    newer = world.app.commit("chore: more\n\nRefs: F-probe-timing-22222")
    assert scan(world) == {MARKED, world.revert, newer}
    assert newer in [m[0] for m in data(cache(world))["mentions"]]


def test_history_dropped_from_every_branch_is_forgotten(world: World) -> None:
    scan(world)
    world.app.git("reset", "-q", "--hard", world.reverted)  # drops the revert, as a force-push would
    assert scan(world) == {world.traced}


def test_a_cache_for_another_repository_or_other_trailers_is_ignored(world: World) -> None:
    scan(world)
    plant(world)
    cache(world, "infra").write_bytes(cache(world).read_bytes())  # app's cache where infra's would be
    assert scan(world, "infra", world.infra.path) == set()
    (world.root / "kb.toml").write_text((world.root / "kb.toml").read_text() + '\n[link]\ntrailers = ["Finding"]\n')
    assert scan(world) == {world.traced, world.revert}
    cache(world).write_text("not a cache file")
    assert scan(world) == {world.traced, world.revert}


def test_new_code_or_libraries_ignore_the_cache(world: World, change_the_key: Callable[[], None]) -> None:
    scan(world)
    plant(world)
    assert scan(world) == {MARKED, world.revert}
    plant(world)
    change_the_key()
    assert scan(world) == {world.traced, world.revert}
