"""kb/pipeline.py: every verb that writes or publishes passes the same gates, and `kb build` loads once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kb.store import loader
from tests.conftest import run_kb

REPORT = "docs/audits/AUD-production-ecosystem-audit-k3f9x.md"
FINDING = "data/findings/F-dhanam-api-crashlooping-4kq2m.yaml"
TOKEN = "ghp_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"


def paste_token(root: Path) -> str:
    """Put a GitHub token into a finding's fix, as a note written right after a rotation would;
    return where it is, as `path:line:col`."""
    path = root / FINDING
    lines = path.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("fix:"))
    lines[at] = f"fix: 'Rotated the token; the new one is {TOKEN}'"
    path.write_text("\n".join(lines) + "\n")
    return f"{FINDING}:{at + 1}:{lines[at].index('ghp_') + 1}"


def files_holding(folder: Path, text: str) -> list[str]:
    """Every file under `folder` whose bytes contain `text` (HTML, search index, sitemap, anything)."""
    return [str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def test_build_renders_the_docs_and_the_site(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "build")
    assert result.exit_code == 0, result.output
    assert "4 documents written" in result.stdout
    assert (sample_kb / REPORT).read_text().startswith("# Production Ecosystem Audit Report\n")
    assert (sample_kb / "site" / "index.html").is_file()


def test_build_loads_the_records_once(sample_kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[Path] = []
    real = loader.load

    def counted(config: loader.Config, stats: object = None) -> loader.KnowledgeBase:
        loads.append(config.root)
        return real(config, stats)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "load", counted)
    assert run_kb(sample_kb, "build").exit_code == 0
    assert loads == [sample_kb]


def test_strict_build_stops_on_a_warning_and_writes_nothing(sample_kb: Path) -> None:
    (sample_kb / "data/commits/abcdef1.yaml").write_text("hash: abcdef1\nsubject: 'chore: nobody cites me'\n")
    assert run_kb(sample_kb, "build").exit_code == 0
    (sample_kb / REPORT).unlink()
    result = run_kb(sample_kb, "build", "--strict")
    assert result.exit_code == 1
    assert "data/commits/abcdef1.yaml:1:1: W401" in result.stderr
    assert "build stopped: 1 problem(s); nothing written" in result.stderr
    assert not (sample_kb / REPORT).exists()


@pytest.mark.parametrize("verb", ["render", "site", "build"])
def test_a_pasted_token_stops_every_verb_that_publishes(sample_kb: Path, verb: str) -> None:
    assert run_kb(sample_kb, "build").exit_code == 0  # a site and docs from the clean records
    where = paste_token(sample_kb)
    result = run_kb(sample_kb, verb)
    assert result.exit_code == 1
    assert f"{where}: E602 fix: a GitHub personal access token (github-pat): ghp_… (40 characters)" in result.stderr
    assert f"{verb} stopped: 1 problem(s); nothing written" in result.stderr
    assert TOKEN not in result.output
    assert files_holding(sample_kb / "site", TOKEN) == []
    assert files_holding(sample_kb / "docs", TOKEN) == []
    assert files_holding(sample_kb / ".kb-cache", TOKEN) == []  # the generated site docs folder included


def test_serve_refuses_a_pasted_token_before_serving(sample_kb: Path) -> None:
    where = paste_token(sample_kb)
    served = subprocess.run(
        [sys.executable, "-m", "kb", "--root", str(sample_kb), "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert served.returncode == 1
    assert f"{where}: E602 fix: a GitHub personal access token (github-pat)" in served.stderr
    assert "serve stopped: 1 problem(s); nothing written" in served.stderr
    assert TOKEN not in served.stdout + served.stderr


def test_validate_reports_a_pasted_token_too(sample_kb: Path) -> None:
    where = paste_token(sample_kb)
    result = run_kb(sample_kb, "validate")
    assert result.exit_code == 1
    assert f"{where}: E602 fix: a GitHub personal access token (github-pat)" in result.stderr
