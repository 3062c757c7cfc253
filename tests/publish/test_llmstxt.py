"""`kb site` for agents: site/llms.txt and every page's Markdown beside its HTML; a site folder kb may empty."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kb.store import ownership
from tests.conftest import SAMPLE, run_kb

LINK = re.compile(r"\[(?:\\.|[^\]\\])*\]\(([^)]+)\)")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("llms") / "kb"
    shutil.copytree(SAMPLE, root / "data")
    (root / "kb.toml").write_text('records = "data"\n')
    result = run_kb(root, "site")
    assert result.exit_code == 0, result.output
    return root


def test_llms_txt_names_the_site_and_links_every_audit_lesson_and_open_action(built: Path) -> None:
    text = (built / "site" / "llms.txt").read_text()
    lines = text.splitlines()
    assert lines[0] == "# Knowledge base" and lines[2].startswith("> Incident and audit knowledge base")
    assert "1 audit, 10 findings, 8 lessons and 12 open actions" in lines[2]
    sections = {name: re.findall(LINK, body) for name, body in re.findall(r"^## (.+)\n\n((?:- .*\n?)*)", text, re.M)}
    assert list(sections) == ["Audits", "Lessons", "Open actions", "Optional"]
    assert sections["Audits"] == ["audits/AUD-production-ecosystem-audit-k3f9x.md"]
    assert sorted(sections["Lessons"]) == sorted(
        f"lessons/{p.stem}.md" for p in (built / "data/lessons").glob("*.yaml")
    )
    assert (
        len(sections["Open actions"]) == 12
        and sections["Open actions"][0] == "actions/ACT-external-secrets-config-degraded-2pv7c.md"  # kb pickup's order
    )
    assert "docs/INFRA_ANATOMY.md" in sections["Optional"]


def test_every_link_in_llms_txt_is_a_file_in_the_site(built: Path) -> None:
    site = built / "site"
    links = LINK.findall((site / "llms.txt").read_text())
    assert len(links) > 20
    assert [link for link in links if not (site / link).is_file()] == []


def test_every_page_has_its_markdown_beside_its_html(built: Path) -> None:
    site, docs = built / "site", built / ".kb-cache" / "site-docs"
    pages = sorted(str(p.relative_to(docs)) for p in docs.rglob("*.md"))
    assert len(pages) == 43
    for page in pages:
        assert (site / page).read_bytes() == (docs / page).read_bytes(), page
        assert (site / page).with_suffix(".html").is_file(), page
    copy = (site / "lessons/L-k3s-version-matching-2hx7c.md").read_text()
    for target in LINK.findall(copy):  # the pages' own links hold between the copies
        assert (site / "lessons" / target).resolve().is_file(), target


def test_the_markdown_copies_hold_no_markup_a_record_slipped_in(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(SAMPLE, root / "data")
    (root / "kb.toml").write_text('records = "data"\n')
    lesson = root / "data/lessons/L-golden-tests-7wb5m.yaml"
    lesson.write_text(lesson.read_text().replace("title: Golden tests", "title: 'Golden <script>alert(1)</script>'"))
    assert run_kb(root, "site").exit_code == 0
    for path in (root / "site").rglob("*.md"):
        assert "<script>" not in path.read_text(), path
    assert "Golden &lt;script>alert(1)&lt;/script>" in (root / "site/llms.txt").read_text()


@pytest.mark.parametrize("verb", ["site", "build"])
def test_site_dir_holding_others_files_is_refused_before_anything_is_written(sample_kb: Path, verb: str) -> None:
    (sample_kb / "kb.toml").write_text('records = "data"\n\n[site]\nsite_dir = "public"\n')
    (sample_kb / "public").mkdir()
    (sample_kb / "public/CNAME").write_text("kb.example.org\n")
    result = run_kb(sample_kb, verb)
    assert result.exit_code == 1
    assert f"{verb} stopped: 1 problem(s); nothing written" in result.stderr
    assert not (sample_kb / "docs").exists()
    assert "kb.toml:4:1: E605 site.site_dir: 'public' holds files kb did not build" in result.stderr
    assert "MkDocs deletes everything in the site folder before it builds" in result.stderr
    assert sorted(p.name for p in (sample_kb / "public").iterdir()) == ["CNAME"]
    assert not (sample_kb / ".kb-cache" / "site-docs").exists()


def test_a_site_folder_kb_built_or_mkdocs_built_is_rebuilt(sample_kb: Path) -> None:
    site = sample_kb / "site"
    site.mkdir()
    for name in ("index.html", "sitemap.xml", "old-page.html"):  # a site from before kb marked its sites
        (site / name).write_text("old\n")
    assert run_kb(sample_kb, "site").exit_code == 0
    assert (site / ownership.FOLDER_MARKER).is_file() and not (site / "old-page.html").exists()
    assert run_kb(sample_kb, "site").exit_code == 0
