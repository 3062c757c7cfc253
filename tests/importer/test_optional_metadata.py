"""An audit without a trigger or a scope is valid and renders: reports, INFRA_ANATOMY and its site page."""

from __future__ import annotations

from pathlib import Path

from kb.publish.pages import generate
from kb.rendering.jinjaenv import environment
from kb.rendering.outputs import render_documents
from kb.store.config import discover
from kb.store.loader import load
from tests.conftest import run_kb

AUDIT = """\
id: AUD-cache-review-q2w3e
title: Cache Cluster Review
started: 2025-06-01
"""


def test_an_audit_without_trigger_or_scope_validates_and_renders(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    (root / "records" / "audits" / "AUD-cache-review-q2w3e.yaml").write_text(AUDIT)
    check = run_kb(root, "validate", "--strict")
    assert check.exit_code == 0, check.output
    kb = load(discover(root))
    documents = render_documents(kb)
    report = next(text for path, text in documents.items() if "AUD-cache-review-q2w3e" in path)
    assert "# Cache Cluster Review" in report
    assert "Trigger" not in report and "Scope" not in report
    page = generate(kb, environment(), documents).pages["audits/AUD-cache-review-q2w3e.md"]
    assert "Cache Cluster Review" in page
    assert "Trigger" not in page and "Scope" not in page
