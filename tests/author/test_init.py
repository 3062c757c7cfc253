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


def test_init_shows_how_to_adopt_a_hand_written_doc_and_that_way_works(tmp_path: Path) -> None:
    root = tmp_path / "infra"
    result = run_kb(tmp_path, "init", str(root))
    assert "add `<!-- kb:begin NAME -->` and `<!-- kb:end NAME -->` lines" in result.output
    commented = (root / "kb.toml").read_text().split("# [[outputs]]")[-1]
    example = "[[outputs]]\n" + "".join(line[2:].split("#")[0].rstrip() + "\n" for line in commented.splitlines()[1:])
    assert 'region = "agents"' in example
    (root / "kb.toml").write_text(example)
    doc = "# Our agents' guide\n\nWritten by hand.\n<!-- kb:begin agents -->\n<!-- kb:end agents -->\nMore by hand.\n"
    (root / "AGENTS.md").write_text(doc)
    assert run_kb(root, "render").exit_code == 0
    text = (root / "AGENTS.md").read_text()
    assert text.startswith(doc.split("<!-- kb:end")[0]) and text.endswith("<!-- kb:end agents -->\nMore by hand.\n")
    assert "No lessons recorded yet." in text
