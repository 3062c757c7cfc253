"""Imported records rendered: an audit without a trigger or a scope (its report, INFRA_ANATOMY
and its site page), and fields of several lines inside the report's finding list."""

from __future__ import annotations

from pathlib import Path

from kb.publish.pages import generate
from kb.rendering.jinjaenv import environment
from kb.rendering.outputs import render_documents
from kb.store.config import discover
from kb.store.loader import load
from tests.conftest import run_kb
from tests.importer.test_import_cases import CASES

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


def test_a_field_of_several_lines_stays_inside_its_finding(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    assert run_kb(root, "import", "report", str(CASES / "security-audit.md")).exit_code == 0
    documents = render_documents(load(discover(root)))
    report = next(text for path, text in documents.items() if "/AUD-security-audit" in path)
    assert (
        "    - Symptom: Reset tokens are stored without an expiry and stay valid after use.\n"
        "\n"
        "      Impact:\n"
        "      \\- a leaked reset e-mail grants account takeover months later\n"
    ) in report


def test_a_finding_two_reports_describe_keeps_its_place_in_its_report(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    pair = [str(CASES / f"gateway-pentest-{part}.md") for part in ("detailed", "summary")]
    assert run_kb(root, "import", "report", *pair).exit_code == 0
    documents = render_documents(load(discover(root)))
    report = next(text for path, text in documents.items() if "/AUD-gateway-pentest-detailed" in path)
    medium = report.split("### Medium")[1].split("###")[0]
    assert medium.index("Verbose upstream errors") < medium.index("Rate limiting keyed")  # lines 35 and 49
