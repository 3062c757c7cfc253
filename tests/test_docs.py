"""The documentation is tested: the README's generated sections are current, every command teaches."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli.group import COMMANDS, main
from kb.records.schemas import reference_markdown
from kb.rendering.templatedoc import templates_markdown
from kb.store.settings import settings_markdown

README = Path(__file__).parent.parent / "README.md"
UPDATE = os.environ.get("KB_UPDATE_GOLDEN") == "1"


def section(name: str, text: str | None = None) -> str:
    """The README text between `<!-- name:start -->` and `<!-- name:end -->` (replaced when `text` is given)."""
    readme = README.read_text()
    pattern = re.compile(rf"(<!-- {name}:start -->\n)(.*?)(<!-- {name}:end -->)", re.DOTALL)
    match = pattern.search(readme)
    assert match, f"README has no {name} section"
    if text is not None:
        README.write_text(readme[: match.start(2)] + text + readme[match.end(2) :])
        return text
    return match.group(2)


def test_readme_record_format_is_generated_from_the_models() -> None:
    expected = reference_markdown()
    if UPDATE:
        section("fields", expected)
    assert section("fields") == expected, "run KB_UPDATE_GOLDEN=1 pytest tests/test_docs.py to refresh"


def test_readme_settings_are_generated_from_the_declared_settings() -> None:
    expected = settings_markdown()
    if UPDATE:
        section("settings", expected)
    assert section("settings") == expected, "run KB_UPDATE_GOLDEN=1 pytest tests/test_docs.py to refresh"


def test_readme_template_reference_is_generated_from_the_views() -> None:
    expected = templates_markdown()
    if UPDATE:
        section("templates", expected)
    assert section("templates") == expected, "run KB_UPDATE_GOLDEN=1 pytest tests/test_docs.py to refresh"


def test_readme_has_exactly_two_setup_commands() -> None:
    setup = README.read_text().split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in setup.splitlines() if line.startswith("    ")]
    assert len(commands) == 2
    assert commands[0].endswith("kb build")
    assert commands[1].endswith("python -m pytest")


@pytest.mark.parametrize("verb", sorted(COMMANDS))
def test_every_command_has_help_that_teaches(verb: str) -> None:
    result = CliRunner().invoke(main, [verb, "--help"])
    assert result.exit_code == 0
    assert len(result.output.splitlines()) > 5
