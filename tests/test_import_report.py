"""`kb import report`: the seed report imported into an empty knowledge base, variants, re-import, dry run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kb.config import discover
from kb.store import KnowledgeBase, load, plain
from tests.conftest import SAMPLE, run_kb

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "000_ca42ef2d6db47840.txt"
REPORTS = FIXTURES / "reports"

EDITORIAL = {"tags"}
"""Fields the hand transcription added from outside the report (labels a reader chose)."""
KNOWN_DIFFERENCES = {
    # The title says "tunnel config"; only a reader knows the tunnel is cloudflared.
    ("finding", 76, "components"): (["madfam.io"], ["cloudflared"]),
    # The pickup list's lead-in sentence has no field; it is kept as a note, never dropped.
    ("audit", 1, "notes"): (
        ["Next Session Pickup Points: For the next agent session, the following items may need attention:"],
        None,
    ),
}


def _line(imported_from: str | None) -> int:
    assert imported_from, "every imported record says where it came from"
    return int(imported_from.rsplit(":", 1)[1])


def canonical(kb: KnowledgeBase) -> dict[tuple[str, int | str], dict[str, Any]]:
    """Every record as plain data, keyed by kind and report line, with IDs replaced by those keys."""
    keys: dict[str, str] = {}
    for record in kb.by_id().values():
        keys[record.id] = f"{record.kind}@{_line(record.imported_from)}"

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            return keys.get(value, value)
        if isinstance(value, list):
            return [swap(v) for v in value]
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        return value

    out: dict[tuple[str, int | str], dict[str, Any]] = {}
    for entry in kb.all_entries():
        data = plain(entry.record)
        where = data["hash"] if entry.record.kind == "commit" else _line(data["imported_from"])
        key: tuple[str, int | str] = (entry.record.kind, where)
        data = {k: swap(v) for k, v in data.items() if k not in EDITORIAL and k not in ("id", "imported_from")}
        out[key] = data
    return out


@pytest.fixture
def empty_kb(tmp_path: Path) -> Path:
    root = tmp_path / "new"
    result = run_kb(tmp_path, "init", str(root))
    assert result.exit_code == 0, result.output
    return root


def test_seed_import_carries_every_fact_of_the_hand_transcription(empty_kb: Path) -> None:
    result = run_kb(empty_kb, "import", "report", str(SEED))
    assert result.exit_code == 0, result.output
    imported = canonical(load(discover(empty_kb)))
    by_hand = canonical(load(discover(SAMPLE.parent)))
    assert sorted(imported, key=str) == sorted(by_hand, key=str)
    differences = {}
    for key, expected in by_hand.items():
        got = imported[key]
        for name in sorted(set(expected) | set(got)):
            if got.get(name) != expected.get(name):
                differences[(*key, name)] = (got.get(name), expected.get(name))
    assert differences == KNOWN_DIFFERENCES
