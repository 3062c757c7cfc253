"""The folders kb.toml names: apart (bad cases: tests/cases/bad_config.yaml), and the records folder must exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.store.config import load
from tests.conftest import run_kb


@pytest.mark.parametrize(
    "text",
    [
        'cache = "c"\n[site]\ndocs_dir = "c/pages"\nsite_dir = "c/site"\n',  # kb's own folders, inside its cache
        '[site]\nsite_dir = "/srv/www/kb"\n',
        '[site]\nsite_dir = "../public"\n',  # outside: checked when built (it must be new, empty or kb's)
        'records = "kb/records"\ntemplates = "kb/templates"\n',
        '[[outputs]]\ntemplate = "agents.md.j2"\npath = "records-notes/AGENTS.md"\n',  # a name that only starts alike
    ],
)
def test_folders_that_do_not_overlap_are_fine(tmp_path: Path, text: str) -> None:
    (tmp_path / "kb.toml").write_text(text)
    load(tmp_path)


@pytest.mark.parametrize(
    ("toml", "line"),
    [
        ('records = "dta"\n', "kb.toml:1:1: E607 records: no folder 'dta'"),
        ("", "kb.toml:0:0: E607 records: no folder 'records'"),
    ],
)
def test_a_records_folder_that_does_not_exist_is_an_error(sample_kb: Path, toml: str, line: str) -> None:
    """A mistyped `records` is not an empty knowledge base: nothing validates, and the docs stay as they are."""
    assert run_kb(sample_kb, "render").exit_code == 0
    docs = {p: p.read_bytes() for p in (sample_kb / "docs").rglob("*.md")}
    (sample_kb / "kb.toml").write_text(toml)
    validate = run_kb(sample_kb, "validate")
    assert validate.exit_code == 1
    assert f"{line}: correct `records` in kb.toml, or create the folder (mkdir " in validate.stderr
    assert "0 records invalid: 1 errors" in validate.stderr
    for verb in ("render", "build"):
        result = run_kb(sample_kb, verb)
        assert result.exit_code == 1 and line in result.stderr
    assert {p: p.read_bytes() for p in (sample_kb / "docs").rglob("*.md")} == docs
    assert not (sample_kb / "site").exists()
