"""`kb build`: the main job validates and renders in one step (the site step comes later)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_kb

REPORT = "docs/audits/AUD-production-ecosystem-audit-k3f9x.md"


def test_build_renders_the_docs(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "build")
    assert result.exit_code == 0, result.output
    assert "4 documents written" in result.stdout
    assert (sample_kb / REPORT).read_text().startswith("# Production Ecosystem Audit Report\n")


def test_strict_build_stops_on_a_warning_and_writes_nothing(sample_kb: Path) -> None:
    (sample_kb / "data/commits/abcdef1.yaml").write_text("hash: abcdef1\nsubject: 'chore: nobody cites me'\n")
    assert run_kb(sample_kb, "build").exit_code == 0
    (sample_kb / REPORT).unlink()
    result = run_kb(sample_kb, "build", "--strict")
    assert result.exit_code == 1
    assert "data/commits/abcdef1.yaml:1:1: W401" in result.stderr
    assert not (sample_kb / REPORT).exists()
