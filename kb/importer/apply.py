"""The two ends of an import: reading the input, and writing every planned record or none.

Nothing is written unless every record validates (kb/pipeline.py stops first) and none of their
files exists yet; each file is created exclusively, so an import can never overwrite a record.
"""

from __future__ import annotations

from pathlib import Path

from kb.check.diagnostics import Code, Diagnostic, Stopped
from kb.importer.planning import Planned
from kb.store import inputs
from kb.store.atomic import create_exclusive_all
from kb.store.config import Config
from kb.store.yamlwrite import record_text


def write(config: Config, created: list[Planned], source: str) -> None:
    """Create every planned file, after checking that none exists (so a clash writes nothing).

    Files are created exclusively and made durable: each flushed to disk, then each folder once.
    """
    clashes = [
        Diagnostic(source, item.line, 1, Code.E703, "", f"{item.path.relative_to(config.root)} already exists")
        for item in created
        if item.path.exists()
    ]
    if clashes:
        raise Stopped("import", clashes)
    create_exclusive_all([(item.path, record_text(item.record)) for item in created], durable=True)


REPORT_BYTES = 64 * inputs.MiB
"""Largest report read (the seed's is 40 KiB)."""


def read_report(path: Path) -> str:
    """A report's text; Stopped (E703) if it cannot be read as UTF-8 or is over REPORT_BYTES."""
    try:
        return inputs.read_text(path, REPORT_BYTES)
    except OSError as err:
        problem = Diagnostic(str(path), 0, 0, Code.E703, "", f"cannot read the report: {err.strerror or err}")
        raise Stopped("import", [problem]) from None
