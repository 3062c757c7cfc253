"""The two ends of an import: reading the input, and writing every planned record or none.

Nothing is written unless every record validates (kb/pipeline.py stops first) and none of their
files exists yet; each file is created exclusively, so an import can never overwrite a record.
The only existing files it changes are records of an earlier import whose empty fields it
fills (`kb.importer.refill`), each replaced atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kb.check.diagnostics import Code, Diagnostic, Stopped
from kb.importer.planning import Planned
from kb.importer.refill import Filled
from kb.store import inputs
from kb.store.atomic import write_batch
from kb.store.config import Config
from kb.store.yamlwrite import record_text


def write(config: Config, created: list[Planned], filled: Sequence[Filled] = (), source: str = "") -> None:
    """Create every planned file and fill the existing ones, after checking that no new file
    exists (so a clash writes nothing).

    New files are created exclusively, filled ones replaced atomically, all made durable: each
    flushed to disk, then each folder once.
    """
    clashes = [
        Diagnostic(
            item.source or source, item.line, 1, Code.E703, "", f"{item.path.relative_to(config.root)} already exists"
        )
        for item in created
        if item.path.exists()
    ]
    if clashes:
        raise Stopped("import", clashes)
    if created or filled:
        write_batch(
            [(item.path, record_text(item.record)) for item in created],
            [(f.path, f.text) for f in filled],
            durable=True,
        )


REPORT_BYTES = 64 * inputs.MiB
"""Largest report read (the seed's is 40 KiB)."""


def read_report(path: Path) -> str:
    """A report's text; Stopped (E703) if it cannot be read as UTF-8 or is over REPORT_BYTES."""
    try:
        return inputs.read_text(path, REPORT_BYTES)
    except OSError as err:
        problem = Diagnostic(str(path), 0, 0, Code.E703, "", f"cannot read the report: {err.strerror or err}")
        raise Stopped("import", [problem]) from None
