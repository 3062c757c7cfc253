"""kb.rendering.jinjaenv: compiled templates are reused between runs, never once their source or options change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import pytest

from kb.rendering.jinjaenv import COMPILED, OPTIONS, CompiledTemplates, environment

pytestmark = pytest.mark.speed
TEMPLATE = "note.md.j2"
BLOCKS = "{% if true %}\nshown\n{% endif %}\n"


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The templates Jinja compiles from source (rather than loading compiled from the cache)."""
    names: list[str] = []
    real = jinja2.Environment.compile

    def spy(self: jinja2.Environment, source: Any, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        names.append(str(name))
        return real(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", spy)
    return names


def fresh(templates: Path, cache: Path) -> jinja2.Environment:
    """The environment a new kb process would make."""
    environment.cache_clear()
    return environment(templates, cache)


def test_a_template_is_compiled_once_across_runs(tmp_path: Path, compiles: list[str]) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / TEMPLATE).write_text("{{ 'a|b' | cell }}\n")
    assert fresh(tmp_path / "t", tmp_path).get_template(TEMPLATE).render() == "a\\|b\n"
    assert fresh(tmp_path / "t", tmp_path).get_template(TEMPLATE).render() == "a\\|b\n"
    assert compiles == [TEMPLATE] and any((tmp_path / COMPILED).iterdir())


def test_a_changed_template_is_compiled_again(tmp_path: Path, compiles: list[str]) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / TEMPLATE).write_text("old\n")
    assert fresh(tmp_path / "t", tmp_path).get_template(TEMPLATE).render() == "old\n"
    (tmp_path / "t" / TEMPLATE).write_text("new\n")  # same size, perhaps the same mtime
    assert fresh(tmp_path / "t", tmp_path).get_template(TEMPLATE).render() == "new\n"
    assert compiles == [TEMPLATE, TEMPLATE]


def test_new_code_or_libraries_compile_again(
    tmp_path: Path, compiles: list[str], change_the_key: Callable[[], None]
) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / TEMPLATE).write_text("same\n")
    fresh(tmp_path / "t", tmp_path).get_template(TEMPLATE)
    fresh(tmp_path / "t", tmp_path).get_template(TEMPLATE)
    assert compiles == [TEMPLATE]
    change_the_key()
    assert fresh(tmp_path / "t", tmp_path).get_template(TEMPLATE).render() == "same\n"
    assert compiles == [TEMPLATE, TEMPLATE]


def test_changed_options_compile_again(tmp_path: Path) -> None:
    (tmp_path / TEMPLATE).write_text(BLOCKS)

    def render(options: dict[str, Any]) -> str:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(tmp_path)),
            bytecode_cache=CompiledTemplates(tmp_path / COMPILED, options),
            **options,
        )
        return env.get_template(TEMPLATE).render()

    assert render(OPTIONS) == "shown\n"
    assert render({**OPTIONS, "trim_blocks": False}) == "\nshown\n\n"
    assert render(OPTIONS) == "shown\n"


def test_an_unwritable_cache_only_costs_the_compile(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / TEMPLATE).write_text("fine\n")
    (tmp_path / COMPILED).write_text("a file where the folder should be")
    assert fresh(tmp_path / "t", tmp_path).get_template(TEMPLATE).render() == "fine\n"
