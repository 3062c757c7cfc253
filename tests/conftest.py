"""Shared fixtures: a copy of the sample knowledge base and a way to run the real CLI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kb.cli.group import main

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "data"


@pytest.fixture(autouse=True)
def no_daemon(monkeypatch: pytest.MonkeyPatch) -> None:
    """`kb` processes started by tests run in the foreground and start no daemon (test_daemon's excepted)."""
    monkeypatch.setenv("KB_DAEMON", "off")


@pytest.fixture
def sample_kb(tmp_path: Path) -> Path:
    """A private copy of the sample knowledge base (kb.toml plus data/) to change freely."""
    root = tmp_path / "kb"
    shutil.copytree(SAMPLE, root / "data")
    (root / "kb.toml").write_text('records = "data"\n')
    return root


def run_kb(root: Path, *args: str, input: str | None = None) -> Result:
    """Run `kb --root ROOT ARGS...` in process, as a user would type it."""
    return CliRunner().invoke(main, ["--root", str(root), *args], input=input, catch_exceptions=False)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden/ from the current output.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when golden files should be refreshed: `pytest --update-golden` or KB_UPDATE_GOLDEN=1."""
    return bool(request.config.getoption("--update-golden")) or os.environ.get("KB_UPDATE_GOLDEN") == "1"
