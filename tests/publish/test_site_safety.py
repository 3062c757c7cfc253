"""No script runs on any page: hostile record text through the real render, site build and Chromium.

Every construct of tests/cases/html_fuzz.yaml goes into every text field of a finding of its
own, into a field of a lesson and of an action (three and four to a record), and into the
audit's and the snapshot's lists, so it reaches the finding, lesson, action and audit pages,
the index pages and the rendered documents (audit report, INFRA_ANATOMY, GITOPS, PICKUP).
`kb build` must succeed, every page's HTML must hold no handler, script, frame or unsafe URL,
and Chromium must see no payload run on any page. A control page holding the payloads raw
shows the browser would notice if one did.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from kb.rendering.htmlcheck import inspect_html, inspect_page
from kb.store.layout import mkdocs_file
from tests.conftest import run_kb
from tests.publish.conftest import serve_folder

FUZZ = Path(__file__).parent.parent / "cases" / "html_fuzz.yaml"
PAYLOADS: list[str] = [case["text"] for case in yaml.safe_load(FUZZ.read_text(encoding="utf-8"))["payloads"]]
AUDIT = "AUD-fuzz-audit-0aaaa"
SNAPSHOT = "SNAP-fuzz-snapshot-0bbbb"
THEME_TAGS = re.compile(r'<nav class="md-tags" >.*?</nav>', re.DOTALL)
HANDLER = re.compile(r"<[^>]*?[\s/\"']on[a-z]+\s*=", re.IGNORECASE)
RECORDED = """
const record = (kind) => (message) => { (top.__kbpwn = top.__kbpwn || []).push(kind + ": " + message); };
window.alert = record("alert"); window.confirm = record("confirm"); window.prompt = record("prompt");
"""
"""Put into every frame before its page's own script runs: a payload calling alert is recorded, not shown."""


def _finding(i: int, text: str) -> dict[str, Any]:
    """A finding with one payload in every text field: its page shows that payload alone."""
    return {
        "id": f"F-fuzz-case-{i:02d}aaa",
        "audit": AUDIT,
        "title": text,
        "context": text,
        "severity": "high",
        "status": "resolved",
        "components": [text],
        "paths": [text],
        "duration": text,
        "tags": [text],
        **{field: text for field in ("symptom", "root_cause", "fix", "investigation", "verification", "takeaway")},
    }


def _lesson(i: int, texts: list[str]) -> dict[str, Any]:
    """A lesson with three payloads, one per field."""
    title, rule, detail = (texts * 3)[:3]
    return {
        "id": f"L-fuzz-case-{i:02d}bbb",
        "title": title,
        "rule": rule,
        "detail": detail,
        "audit": AUDIT,
        "findings": [f"F-fuzz-case-{i * 3:02d}aaa"],
        "tags": texts,
    }


def _action(i: int, texts: list[str]) -> dict[str, Any]:
    """An action with four payloads, in the fields its page and the pickup list show."""
    title, todo, headline, handover = (texts * 4)[:4]
    return {
        "id": f"ACT-fuzz-case-{i:02d}ccc",
        "title": title,
        "todo": todo,
        "owner": title,
        "notes": texts,
        "handover": {"title": headline, "text": handover},
        "source": {"audit": AUDIT, "finding": f"F-fuzz-case-{i * 4:02d}aaa"},
    }


def _fuzz_kb(root: Path) -> Path:
    records: dict[str, dict[str, Any]] = {
        f"audits/{AUDIT}.yaml": {
            "id": AUDIT,
            "title": "Fuzz audit",
            "started": "2026-01-26",
            "trigger": PAYLOADS[0],
            "summary": PAYLOADS[1],
            "scope": {"description": PAYLOADS[2]},
            "cleanup": [{"action": text, "targets": [text]} for text in PAYLOADS],
            "notes": PAYLOADS,
            "pickup": [f"ACT-fuzz-case-{i:02d}ccc" for i in range(0, len(PAYLOADS) // 4)],
        },
        f"snapshots/{SNAPSHOT}.yaml": {
            "id": SNAPSHOT,
            "audit": AUDIT,
            "taken": "2026-01-26",
            "nodes": [
                {"name": f"node-{i}", "role": "worker", "purpose": t, "status": t} for i, t in enumerate(PAYLOADS)
            ],
            "applications": [
                {"name": f"app-{i}", "sync": "Synced", "health": "Healthy", "note": t} for i, t in enumerate(PAYLOADS)
            ],
            "routes": [
                {"host": f"h{i}.example.com", "service": "http://svc:80", "note": t} for i, t in enumerate(PAYLOADS)
            ],
        },
    }
    for i, text in enumerate(PAYLOADS):
        records[f"findings/F-fuzz-case-{i:02d}aaa.yaml"] = _finding(i, text)
    for i in range(0, len(PAYLOADS), 3):
        records[f"lessons/L-fuzz-case-{i // 3:02d}bbb.yaml"] = _lesson(i // 3, PAYLOADS[i : i + 3])
    for i in range(0, len(PAYLOADS), 4):
        records[f"actions/ACT-fuzz-case-{i // 4:02d}ccc.yaml"] = _action(i // 4, PAYLOADS[i : i + 4])
    for name, record in records.items():
        path = root / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), encoding="utf-8")
    (root / "kb.toml").write_text('records = "data"\n')
    return root


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fuzz knowledge base, rendered and published once with `kb build`."""
    root = _fuzz_kb(tmp_path_factory.mktemp("fuzz") / "kb")
    result = run_kb(root, "build")
    assert result.exit_code == 0, result.output
    return root


def test_every_rendered_document_is_inert(fuzzed: Path) -> None:
    documents = sorted((fuzzed / "docs").rglob("*.md"))
    names = {p.name for p in documents}
    assert {"INFRA_ANATOMY.md", "GITOPS.md", "PICKUP.md", f"{AUDIT}.md"} <= names
    for path in documents:
        assert inspect_page(path.read_text(encoding="utf-8"), mkdocs_file(fuzzed)) == [], path


def _pages(root: Path) -> list[str]:
    site = root / "site"
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.name != "404.html")


def test_every_page_of_the_site_is_inert(fuzzed: Path) -> None:
    pages = _pages(fuzzed)
    kinds = {page.split("/")[0] for page in pages}
    assert {"findings", "lessons", "actions", "audits", "docs"} <= kinds and len(pages) > len(PAYLOADS) * 19 // 12
    for page in pages:
        html = (fuzzed / "site" / page).read_text(encoding="utf-8")
        article = html.split('<article class="md-content__inner md-typeset">', 1)[1].split("</article>", 1)[0]
        content = THEME_TAGS.sub("", article)  # the theme's own list of the page's tags
        assert inspect_html(content) == [], page
        assert not HANDLER.search(html), page
        assert not [s for s in html.split("<script")[1:] if "kbpwn" in s.split("</script>", 1)[0]], page


def _ran(driver: Any, url: str) -> list[str]:
    """What the payloads did on one page: alerts recorded and the globals they set."""
    driver.get(url)
    return list(
        driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "requestAnimationFrame(() => setTimeout(() => done([...(window.__kbpwn || []),"
            " ...(window.kbpwn ? ['kbpwn = ' + window.kbpwn] : [])]), 0));"
        )
    )


def test_no_script_runs_on_any_page_in_chromium(chromium: Any, fuzzed: Path) -> None:
    chromium.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDED})
    pages = _pages(fuzzed)
    control = fuzzed / "site" / "kb-control.html"  # not a page of the site: removed again below
    raw = [p for p in PAYLOADS if "onerror" in p or "ontoggle" in p or "onload" in p or "onfocus" in p or "srcdoc" in p]
    control.write_text("<!doctype html><body>" + "".join(raw) + "<p>control</p></body>", encoding="utf-8")
    ran: dict[str, list[str]] = {}
    try:
        with serve_folder(fuzzed / "site") as site:
            seen = _ran(chromium, site + control.name)
            assert "kbpwn = 1" in seen and seen.count("alert: kbpwn") >= 4, f"the control page's payloads ran: {seen}"
            for page in pages:
                found = _ran(chromium, site + page)
                if found:
                    ran[page] = found
    finally:
        control.unlink()
    print(f"\n{len(pages)} pages loaded in Chromium, {len(PAYLOADS)} payloads")
    assert ran == {}, json.dumps(ran, indent=1)[:2000]
