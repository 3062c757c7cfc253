"""`kb init`: a new knowledge base is empty, valid, and never overwrites an existing one."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_kb


def test_init_creates_a_valid_empty_knowledge_base(tmp_path: Path) -> None:
    root = tmp_path / "new-kb"
    result = run_kb(tmp_path, "init", str(root))
    assert result.exit_code == 0, result.output
    assert (root / "kb.toml").is_file()
    assert sorted(p.name for p in (root / "records").iterdir()) == [
        "_schema", "actions", "audits", "commits", "findings", "lessons", "snapshots",
    ]  # fmt: skip
    assert json.loads((root / "records" / "_schema" / "finding.json").read_text())["title"] == "Finding"
    validated = run_kb(root, "validate", "--strict", "--json")
    assert validated.exit_code == 0
    assert json.loads(validated.stdout) == {"errors": [], "warnings": []}


def test_init_refuses_an_existing_knowledge_base(tmp_path: Path) -> None:
    (tmp_path / "kb.toml").write_text('records = "mine"\n')
    result = run_kb(tmp_path, "init", str(tmp_path))
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert (tmp_path / "kb.toml").read_text() == 'records = "mine"\n'
