"""`kb site`: a real strict MkDocs Material build of the sample, hostile records, a real browser."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from kb.publish import pages as site_pages
from kb.publish import searchindex
from kb.publish.pages import front_matter, html_text
from kb.publish.sitebuild import mkdocs_build, write_docs
from kb.rendering.jinjaenv import environment
from kb.store.config import discover
from kb.store.loader import load
from tests.conftest import SAMPLE, run_kb
from tests.publish.conftest import serve_folder

AUDIT = "AUD-production-ecosystem-audit-k3f9x"
FINDING = "F-kyverno-cronjob-deadlock-8fs4k"
LESSON = "L-kyverno-helm-values-8qd1t"


def _copy_sample(root: Path) -> Path:
    shutil.copytree(SAMPLE, root / "data")
    (root / "kb.toml").write_text('records = "data"\n')
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample knowledge base, built once for the module with `kb site` (strict)."""
    root = _copy_sample(tmp_path_factory.mktemp("site") / "kb")
    result = run_kb(root, "site")
    assert result.exit_code == 0, result.output
    return root


class Page(HTMLParser):
    """What a built page holds: links, scripts, attributes and visible text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.classes: list[str] = []
        self.text: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "xlink:href") and value is not None:
                self.hrefs.append(value)
            if name == "class" and value:
                self.classes.extend(value.split())
        self._in_script = tag == "script"
        if tag == "script":
            self.scripts.append(dict(attrs).get("src") or "")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


def _page(root: Path, path: str) -> Page:
    return Page((root / "site" / path).read_text(encoding="utf-8"))


def test_strict_build_writes_every_page(built: Path) -> None:
    site = built / "site"
    for path in ("index.html", "commits.html", "tags.html", "documents.html", "findings/index.html"):
        assert (site / path).is_file(), path
    for kind in ("audits", "findings", "lessons", "actions"):
        records = sorted(p.stem for p in (built / "data" / kind).glob("*.yaml"))
        pages = sorted(p.stem for p in (site / kind).glob("*.html") if p.stem != "index")
        assert pages == records
    assert (built / ".kb-cache" / "site-docs" / ".kb-generated").is_file()


RELATED = [
    pytest.param(
        f"findings/{FINDING}.html",
        [f"../audits/{AUDIT}.html", f"../lessons/{LESSON}.html", "../commits.html"],
        [FINDING, "39b3a72", "33b71ca", "bitnami", "kyverno"],
        id="finding",
    ),
    pytest.param(
        f"lessons/{LESSON}.html",
        [f"../findings/{FINDING}.html", f"../audits/{AUDIT}.html"],
        [LESSON, "TOP-LEVEL", "gitops"],
        id="lesson",
    ),
    pytest.param(
        f"audits/{AUDIT}.html",
        [f"../findings/{FINDING}.html", "../actions/ACT-load-testing-3xr7m.html", f"../lessons/{LESSON}.html"],
        [AUDIT, "9354dcb", "credential-rotation", "GREEN"],
        id="audit",
    ),
    pytest.param(
        "actions/ACT-agents-madfam-io-502-8kr3n.html",
        [f"../audits/{AUDIT}.html", "../findings/F-agents-madfam-io-returning-502-6jc1v.html"],
        ["ACT-agents-madfam-io-502-8kr3n", "Auto-Claude deployment", "domains"],
        id="action",
    ),
    pytest.param(
        "commits.html",
        [f"findings/{FINDING}.html", f"audits/{AUDIT}.html"],
        ["33b71ca", "use bitnami/kubectl:latest for kyverno cleanup CronJobs"],
        id="commit-index",
    ),
    pytest.param("tags.html", [f"lessons/{LESSON}.html"], ["kyverno", "Kyverno Helm values"], id="tag-index"),
]


@pytest.mark.parametrize("path,links,words", RELATED)
def test_pages_link_everything_related(built: Path, path: str, links: list[str], words: list[str]) -> None:
    page = _page(built, path)
    for link in links:
        assert any(href.split("#")[0] == link for href in page.hrefs), link
    for word in words:
        assert word in page.visible, word


def test_dashboard_draws_its_figures_without_the_network(built: Path) -> None:
    html = (built / "site" / "index.html").read_text(encoding="utf-8")
    page = Page(html)
    for heading in ("Open actions by priority", "Recent audits", "Findings by severity and status", "Recurring"):
        assert heading in page.visible
    assert html.count("<svg") - html.count('<svg class="') >= 3  # our charts, not the theme's icons
    assert "median 1 days" in page.visible.replace("**", "")
    assert not [h for h in page.hrefs if h.startswith("http") and h.endswith((".png", ".svg", ".jpg"))]


def test_search_index_holds_one_entry_per_record(built: Path) -> None:
    index = json.loads((built / "site" / "search" / "search_index.json").read_text())
    docs = {d["location"]: d for d in index["docs"]}
    lesson = docs[f"lessons/{LESSON}.html"]
    assert lesson["boost"] == 1.5 and "kyverno" in lesson["tags"] and LESSON in lesson["text"]
    assert "39b3a72" in docs[f"findings/{FINDING}.html"]["text"]
    assert not [loc for loc in docs if loc.startswith(("findings/", "lessons/", "actions/")) and "#" in loc]
    assert not [loc for loc in docs if loc.startswith(("commits", "tags", "findings/index"))]
    rendered = [loc for loc in docs if loc.startswith("docs/")]
    assert "docs/INFRA_ANATOMY.html" in rendered and not [loc for loc in rendered if "#" in loc]


@pytest.mark.parametrize(
    ("markdown", "title", "text"),
    [
        ("# GitOps\n\nGenerated by kb.\n\n## Apps\n\nMore.\n", "GitOps", "Generated by kb."),
        (
            "# A \\*b\\* &lt;i&gt;\n\n**Date:** 1 · [the \\]link](x.md) `F-x`\n1. item\n\n---\n\n## S\n",
            "A *b* &lt;i&gt;",
            "Date: 1 · the ]link F-x item",
        ),
        ("No heading &amp; <b onclick=x>\n", "x", "No heading &amp; &lt;b onclick=x&gt;"),
        ("\n# Late\n\nText.\n\n# Second top heading\n", "Late", "Text."),
    ],
)
def test_a_rendered_document_has_one_plain_escaped_entry(markdown: str, title: str, text: str) -> None:
    assert searchindex.document("docs/x.md", markdown, "docs/x.html") == {
        "location": "docs/x.html",
        "title": title,
        "text": text,
    }


@pytest.mark.parametrize(
    "title",
    ['Disk: 87% "CRITICAL"', "it's: a 'quoted' title", "--- not: [a, list] #nor a comment", "a\nb: c", "<b>x</b> & y"],
)
def test_front_matter_survives_colons_and_quotes(title: str) -> None:
    text = front_matter(title, ["a: b", "'q'"])
    assert text.startswith("---\n") and text.endswith("---\n\n")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["title"] == html_text(title)
    assert meta["tags"] == ["a: b", "&#x27;q&#x27;"]
    assert "<" not in meta["title"]


def test_rendered_documents_become_pages(sample_kb: Path) -> None:
    """What `kb render` produces is published at its own paths, linked from the audit and documents pages."""
    config = discover(sample_kb)
    kb = load(config)
    rendered = {
        f"docs/audits/{AUDIT}.md": "# Production Ecosystem Audit Report\n\nSee [GITOPS](../GITOPS.md).\n",
        "docs/GITOPS.md": "# GitOps\n\nApplications.\n",
        "docs/INFRA_ANATOMY.md": "# Infrastructure anatomy\n\nNodes.\n",
    }
    site = site_pages.generate(kb, environment(config.templates), rendered)
    write_docs(config.site_docs, site.pages)
    mkdocs_build(config, site, config.site_dir, strict=True)
    audit = _page(sample_kb, f"audits/{AUDIT}.html")
    assert f"../docs/audits/{AUDIT}.html" in audit.hrefs
    documents = _page(sample_kb, "documents.html")
    assert {"docs/GITOPS.html", "docs/INFRA_ANATOMY.html"} <= set(documents.hrefs)
    assert f"docs/audits/{AUDIT}.html" not in documents.hrefs  # reached from its audit's page
    assert "Infrastructure anatomy" in documents.visible


def test_invalid_records_build_nothing(sample_kb: Path) -> None:
    path = sample_kb / "data" / "findings" / f"{FINDING}.yaml"
    path.write_text(path.read_text().replace(f"audit: {AUDIT}", "audit: AUD-missing-x0x0x"))
    result = run_kb(sample_kb, "site")
    assert result.exit_code == 1
    assert f"data/findings/{FINDING}.yaml:3" in result.output and "E401" in result.output
    assert not (sample_kb / "site").exists() and not (sample_kb / ".kb-cache" / "site-docs").exists()


def test_refuses_to_clear_a_folder_it_did_not_make(sample_kb: Path) -> None:
    (sample_kb / "kb.toml").write_text('records = "data"\n[site]\ndocs_dir = "pages"\n')
    mine = sample_kb / "pages" / "handwritten.md"
    mine.parent.mkdir()
    mine.write_text("# mine\n")
    result = run_kb(sample_kb, "site")
    assert result.exit_code == 1 and "not generated by kb" in result.output
    assert mine.read_text() == "# mine\n"


KILLED_CLEARING = """
import os, signal, sys
from kb.__main__ import main

docs, at, count = sys.argv[1], int(sys.argv[2]), [0]
unlink = os.unlink

def dies(path, *args, **kwargs):
    count[0] += 1
    if count[0] == at:
        os.kill(os.getpid(), signal.SIGKILL)  # killed while clearing the old pages
    unlink(path, *args, **kwargs)

os.unlink = dies
sys.argv = ["kb", "--root", sys.argv[3], "site"]
main()
"""


@pytest.mark.parametrize("at", [1, 12])
def test_a_site_killed_while_clearing_its_docs_folder_builds_next_time(sample_kb: Path, at: int) -> None:
    assert run_kb(sample_kb, "site").exit_code == 0
    docs = sample_kb / ".kb-cache" / "site-docs"
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_CLEARING, str(docs), str(at), str(sample_kb)], capture_output=True, timeout=120
    )
    assert killed.returncode == -signal.SIGKILL
    assert (docs / ".kb-generated").is_file()
    result = run_kb(sample_kb, "site")
    assert result.exit_code == 0, result.output
    assert (sample_kb / "site" / "index.html").is_file()


MARK = "kbpwn"
HOSTILE = {
    "findings/F-hostile-finding-0aaaa.yaml": {
        "id": "F-hostile-finding-0aaaa",
        "audit": AUDIT,
        "title": f"Disk: 87% \"CRITICAL\" | <script>alert('{MARK}')</script>",
        "context": f"<img src=x onerror=alert('{MARK}')>",
        "components": [f"<b onmouseover=alert('{MARK}')>db</b>", "a|b"],
        "symptom": f"[click me](javascript:alert('{MARK}')) and <a href=\"javascript:alert('{MARK}')\">this</a>\n"
        f"<javascript:alert('{MARK}')> {{: onclick=\"alert('{MARK}')\" }}\n\n"
        f'```mermaid\ngraph TD; A-->B; click A callback "{MARK}"\n```\n',
        "root_cause": f"[ref]: javascript:alert('{MARK}')\n\nsee [x][ref] and ![img](javascript:{MARK})",
        "tags": [f"<svg onload=alert('{MARK}')>", "key: value"],
    },
    "lessons/L-hostile-lesson-0bbbb.yaml": {
        "id": "L-hostile-lesson-0bbbb",
        "title": f"Lesson: \"it's\" | <iframe src=javascript:alert('{MARK}')>",
        "rule": f"<style>body{{display:none}}</style><script src=//evil.example/{MARK}.js></script>",
        "findings": ["F-hostile-finding-0aaaa"],
        "tags": ["kyverno"],
    },
    "actions/ACT-hostile-action-0cccc.yaml": {
        "id": "ACT-hostile-action-0cccc",
        "title": f"]( javascript:alert('{MARK}') ) <details open ontoggle=alert('{MARK}')>",
        "todo": f"~~~mermaid\ngraph TD; {MARK}\n~~~",
        "handover": {"title": f'Next "quoted" <b>{MARK}</b>', "text": f"<object data=javascript:{MARK}>"},
        "source": {"audit": AUDIT, "finding": "F-hostile-finding-0aaaa"},
    },
}


def test_hostile_records_stay_inert(sample_kb: Path) -> None:
    for name, record in HOSTILE.items():
        (sample_kb / "data" / name).write_text(yaml.safe_dump(record, sort_keys=False))
    result = run_kb(sample_kb, "site")
    assert result.exit_code == 0, result.output
    site = sample_kb / "site"
    pages = {p.relative_to(site).as_posix(): Page(p.read_text(encoding="utf-8")) for p in site.rglob("*.html")}
    for path, page in pages.items():
        assert not page.handlers, (path, page.handlers)
        assert not [h for h in page.hrefs if h.strip().lower().startswith(("javascript", "data:", "//"))], path
        assert not [s for s in page.scripts if MARK in s], path
        assert "mermaid" not in page.classes, path
    finding = pages["findings/F-hostile-finding-0aaaa.html"]
    assert f"<script>alert('{MARK}')</script>" in finding.visible  # shown as text, not run
    assert 'Disk: 87% "CRITICAL" |' in finding.visible
    lesson = pages["lessons/L-hostile-lesson-0bbbb.html"]
    assert "<iframe" in lesson.visible and "<style>" in lesson.visible
    index = (site / "search" / "search_index.json").read_text()
    for raw in ("<script", "<iframe", "<img", "<svg", "<b ", "<object"):
        assert raw not in index


@pytest.fixture
def served(built: Path) -> Iterator[str]:
    """The built site on a free localhost port, for the length of one test."""
    with serve_folder(built / "site") as url:
        yield url


def test_browser_search_links_and_dashboard(chromium: object, served: str, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver: object = chromium
    wait = WebDriverWait(driver, 30)  # type: ignore[arg-type]
    driver.get(served)  # type: ignore[attr-defined]
    wait.until(lambda d: "Open actions by priority" in d.find_element(By.TAG_NAME, "article").text)
    shot = tmp_path / "dashboard.png"
    assert driver.save_screenshot(str(shot))  # type: ignore[attr-defined]
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000
    assert int.from_bytes(png[16:20], "big") >= 1000  # the IHDR width: a real window, not an empty image

    search = driver.find_element(By.CSS_SELECTOR, "input.md-search__input")  # type: ignore[attr-defined]
    search.click()
    search.send_keys("kyverno")
    wait.until(lambda d: "Kyverno Helm values" in d.find_element(By.CSS_SELECTOR, ".md-search-result").text)
    results = driver.find_elements(By.CSS_SELECTOR, ".md-search-result__item")  # type: ignore[attr-defined]
    assert any("Kyverno Helm values" in r.text for r in results)

    driver.get(f"{served}findings/{FINDING}.html")  # type: ignore[attr-defined]
    driver.find_element(By.LINK_TEXT, "Kyverno Helm values").click()  # type: ignore[attr-defined]
    wait.until(lambda d: d.current_url.endswith(f"lessons/{LESSON}.html"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Kyverno Helm values"  # type: ignore[attr-defined]
