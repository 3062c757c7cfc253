"""The habits, checked on every run: ruff (lint and format) and mypy --strict over kb/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize(
    "args",
    [
        ["ruff", "check", "kb", "tests", "bench"],
        ["ruff", "format", "--check", "kb", "tests", "bench"],
        ["mypy", "kb"],
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_tool_passes(args: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
