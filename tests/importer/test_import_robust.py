"""Unfamiliar input never stops an import: what cannot be read is kept as a note, and said so.

Each case is a report in a shape the importer was not written for (or a broken one); each must
import, with every line of it mapped to a field or a note, and a few things it must say.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import run_kb

ODD: dict[str, tuple[str, list[str]]] = {
    "empty": ("", []),
    "title-only": ("# Only a title\n", []),
    "ragged-table": ("| a | b |\n|---|---|\n| 1 | 2 | 3 |\n", ["Header: | a | b |\n| 1 | 2 | 3 |"]),
    "crlf": ("# R\r\n\r\n**Date:** 2025-01-01\r\n\r\n## Findings\r\n\r\n### 1. CRLF\r\n\r\n**Severity:** High\r\n", []),
    "tabs": ("# R\n\n## Findings\n\n### 1. Tabs\n\n\t- **Severity:** Low\n\t- **Problem:** tab-indented\n", []),
    "empty-labels": (
        "# R\n\n## Issues\n\n### 3.\n\n### Issue 4:\n\n**Severity:** \n**File:**\n\n- [ ]\n\n```\nunclosed fence\n",
        ["Issues: Issue 4: **Severity:**", "Issues: Issue 4: unclosed fence"],
    ),
    "unknown-values": (
        "# R\n\n## Findings\n\n#### Issue 2: b\n**Severity:** Catastrophic\n**Status:** Pending vendor\n"
        "**Commit:** PR #12\n**Lines:** 5\n**Recommendation:**\n",
        [
            "Findings: b: **Severity:** Catastrophic",
            "Findings: b: **Status:** Pending vendor",
            "Findings: b: **Commit:** PR #12",
            "Findings: b: **Lines:** 5",
        ],
    ),
    "no-issue-found": ("# R\n\n## Findings\n\n#### Issue 1: SQL injection\n**Status:** ✅ No issues found\n", []),
    "deep-headings": ("# R\n\n###### 1. Deepest\n\n**Severity:** Low\n**Problem:** very deep\n\n####### seven\n", []),
}


@pytest.mark.parametrize("name", sorted(ODD))
def test_unfamiliar_shapes_import_and_lose_no_line(name: str, tmp_path: Path) -> None:
    text, notes = ODD[name]
    root = tmp_path / "kb"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    report = tmp_path / f"{name}.md"
    report.write_bytes(text.encode())
    result = run_kb(root, "import", "report", str(report), "--date", "2025-01-01", "--json", "--explain")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    kept = [note["text"] for note in outcome["notes"]]
    assert [note for note in notes if note not in kept] == []
    covered = {n for m in outcome["reports"][0]["explain"] for n in range(m["lines"][0], m["lines"][1] + 1)}
    lost = [n for n, line in enumerate(text.splitlines(), 1) if re.search(r"\w", line) and n not in covered]
    assert lost == []
    assert run_kb(root, "validate").exit_code == 0
