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


def test_init_in_an_existing_repository_adds_to_what_is_there(tmp_path: Path) -> None:
    repo = tmp_path / "infra-platform"
    (repo / ".git").mkdir(parents=True)
    (repo / ".gitignore").write_text("node_modules/\n/site\n*.pyc")  # no newline at the end
    (repo / "templates").mkdir()
    (repo / "templates" / "deployment.yaml").write_text("kind: Deployment\n")
    result = run_kb(tmp_path, "init", str(repo))
    assert result.exit_code == 0, result.output
    assert (
        repo / ".gitignore"
    ).read_text() == "node_modules/\n/site\n*.pyc\n# kb: caches, built site, temporary files\n.kb-cache/\n*.kb-tmp\n"
    assert "Added .kb-cache/, *.kb-tmp to .gitignore." in result.output
    assert "templates/ is your repository's own: kb.toml names kb-templates/" in result.output
    assert 'templates = "kb-templates"' in (repo / "kb.toml").read_text()
    assert (repo / "templates" / "deployment.yaml").read_text() == "kind: Deployment\n"
    assert 'site_name: "infra-platform knowledge base"\n' in (repo / "mkdocs.yml").read_text()
    assert run_kb(repo, "validate", "--strict").exit_code == 0


def test_the_site_builds_with_the_mkdocs_yml_init_wrote(tmp_path: Path) -> None:
    root = tmp_path / "ops"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    assert (root / ".gitignore").read_text() == ".kb-cache/\nsite/\n*.kb-tmp\n"
    assert run_kb(root, "new", "audit", "--title", "First", "--trigger", "t", "--description", "d").exit_code == 0
    built = run_kb(root, "site")
    assert built.exit_code == 0, built.output
    assert "<title>Home - ops knowledge base</title>" in (root / "site" / "index.html").read_text()


def test_an_existing_mkdocs_yml_is_kept(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: Our docs\n")
    result = run_kb(tmp_path, "init", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "mkdocs.yml").read_text() == "site_name: Our docs\n"
    assert "Kept your mkdocs.yml" in result.output
