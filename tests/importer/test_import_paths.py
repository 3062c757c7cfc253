"""Files and lines a report names become a finding's `paths`, which `kb validate --git` checks
against the files its fix commits changed (the line range is left out of that comparison)."""

from __future__ import annotations

from pathlib import Path

from kb.store.config import discover
from kb.store.loader import load
from tests.conftest import run_kb
from tests.gitrepos import GitRepo

REPORT = """\
# Auth Review

**Date:** 2026-02-01

## Findings

### 1. Token check skipped on refresh

**File:** `src/auth/refresh.ts`
**Lines:** 40-55
**Fix:** Verify the signature before reading claims.
**Commit:** `{fix}`

### 2. Session table has no index

**Files:** `db/migrations/0003_sessions.sql`, `db/schema.sql#L12`
**Fix:** Added the index.
**Commit:** `{fix}`
"""


def test_paths_with_lines_are_checked_against_the_fix_commits(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "app")
    repo.commit("init", {"src/auth/refresh.ts": "a\n", "db/schema.sql": "b\n"})
    fix = repo.commit("fix(auth): verify refresh tokens", {"src/auth/refresh.ts": "a2\n"})
    root = tmp_path / "kb"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    config = root / "kb.toml"
    config.write_text(config.read_text() + '\n[[repositories]]\nname = "app"\npath = "../app"\ndefault = true\n')
    report = tmp_path / "auth-review.md"
    report.write_text(REPORT.format(fix=fix[:7]))
    assert run_kb(root, "import", "report", str(report)).exit_code == 0
    paths = {f.title: f.paths for f in load(discover(root)).findings}
    assert paths == {
        "Token check skipped on refresh": ["src/auth/refresh.ts:40-55"],
        "Session table has no index": ["db/migrations/0003_sessions.sql", "db/schema.sql:12"],
    }
    result = run_kb(root, "validate", "--git")
    warned = [line for line in result.output.splitlines() if "W502" in line]
    assert len(warned) == 1, result.output
    assert "none of its fix commits changed db/migrations/0003_sessions.sql, db/schema.sql:12" in warned[0]
