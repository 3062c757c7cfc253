"""The audit report carries every fact of the hand-written seed report, rendered both from the
hand transcription in data/ and from records `kb import report` makes of the seed itself.

Every line of the seed (each table row cell by cell, each finding field, commit, lesson and
pickup point, each heading with its counts) must appear in the rendered report, compared after
undoing Markdown escapes and code-span backticks, which change how a fact is marked, not what it says.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from kb.author.skeleton import init
from kb.pipeline import import_report
from kb.rendering.outputs import render_documents
from kb.store.config import discover
from kb.store.loader import load

ROOT = Path(__file__).parent.parent
SEED = Path(__file__).parent / "fixtures" / "000_ca42ef2d6db47840.txt"
REPORT = "docs/audits/AUD-production-ecosystem-audit-k3f9x.md"


def normalize(line: str) -> str:
    """A line's facts without its Markdown marking: escapes, backticks, indentation, spacing."""
    line = html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", line)).replace("`", "")
    return " ".join(line.split())


def cells(line: str) -> list[str]:
    return [normalize(cell) for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def is_table_row(line: str) -> bool:
    return line.lstrip().startswith("|")


def is_separator(line: str) -> bool:
    return bool(re.fullmatch(r"\s*\|[\s|:-]+\|\s*", line)) or line.strip() in ("---", "")


@pytest.fixture(scope="module", params=["transcribed", "imported"])
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "transcribed":
        return render_documents(load(discover(ROOT)))[REPORT]
    root = tmp_path_factory.mktemp("imported")
    init(root)
    import_report(discover(root), SEED)
    documents = render_documents(load(discover(root)))
    (report,) = [text for path, text in documents.items() if path.startswith("docs/audits/")]
    return report


SEED_LINES = [line for line in SEED.read_text(encoding="utf-8").splitlines() if not is_separator(line)]


@pytest.mark.parametrize("line", [line for line in SEED_LINES if not is_table_row(line)])
def test_every_seed_line_is_in_the_report(rendered: str, line: str) -> None:
    assert normalize(line) in {normalize(out) for out in rendered.splitlines()}


@pytest.mark.parametrize("line", [line for line in SEED_LINES if is_table_row(line)])
def test_every_seed_table_row_is_in_the_report(rendered: str, line: str) -> None:
    rows = [cells(out) for out in rendered.splitlines() if is_table_row(out)]
    assert cells(line) in rows


def test_counts_are_computed_not_copied(rendered: str) -> None:
    for heading in (
        "## Issues Found & Resolved (10 total)",
        "### Critical (4)",
        "### Medium (2)",
        "### Discovered During Audit (4)",
        "## Domain Health (28 routes)",
        "## Storage (11 PVCs, 10 Bound)",
    ):
        assert heading in rendered.splitlines()


def test_seed_has_as_many_facts_as_described() -> None:
    """The fixture is the real report: 10 findings, 8 commits, 8 lessons, 9 remaining items, 7 pickup points."""
    text = SEED.read_text(encoding="utf-8")
    assert len(re.findall(r"(?m)^\d+\. \*\*", text)) == 10 + 8 + 7
    assert len(re.findall(r"(?m)^[0-9a-f]{7} ", text)) == 8
    remaining = text.split("## Remaining Non-Blocking Items")[1].split("\n---\n")[0]
    assert len([line for line in remaining.splitlines() if is_table_row(line)]) == 2 + 9
