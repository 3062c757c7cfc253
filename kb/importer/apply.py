"""Importing a report end to end: read, parse, plan, then write every record or none.

Nothing is written unless every record validates and none of their files exists yet; each file
is created exclusively, so an import can never overwrite a record.
"""

from __future__ import annotations

from pathlib import Path

from kb.check.diagnostics import Diagnostic
from kb.importer.planning import Plan, Planned, plan
from kb.importer.reportparse import parse
from kb.store.atomic import create_exclusive_all
from kb.store.config import Config
from kb.store.loader import load
from kb.store.yamlwrite import record_text


class ImportProblems(Exception):
    """The input cannot be imported; carries every problem found, each with file and line."""

    def __init__(self, problems: list[Diagnostic]):
        super().__init__("; ".join(p.format() for p in problems))
        self.problems = problems


def write(config: Config, created: list[Planned], source: str) -> None:
    """Create every planned file, after checking that none exists (so a clash writes nothing).

    Files are created exclusively and made durable: each flushed to disk, then each folder once.
    """
    clashes = [
        Diagnostic(source, item.line, 1, "E703", "", f"{item.path.relative_to(config.root)} already exists")
        for item in created
        if item.path.exists()
    ]
    if clashes:
        raise ImportProblems(clashes)
    create_exclusive_all([(item.path, record_text(item.record)) for item in created], durable=True)


def import_report(config: Config, path: Path, dry_run: bool = False) -> Plan:
    """Import one Markdown report into the knowledge base; with `dry_run`, only say what would happen."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ImportProblems([Diagnostic(str(path), 0, 0, "E703", "", f"cannot read the report: {err}")]) from None
    result = plan(parse(text), load(config), path.name)
    if result.problems:
        raise ImportProblems(result.problems)
    if not dry_run:
        write(config, result.created, path.name)
    return result
