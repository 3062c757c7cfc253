"""A light view of the knowledge base for `kb new`: IDs from file names, raw YAML where needed.

Validating every record with pydantic costs far more than the 300 ms `kb new` may take, and
recording a finding must not depend on every other file being valid (`kb validate` checks those).
So this reads only what adding a record needs: which IDs exist (a file's name is its ID, which
`kb validate` enforces), the audits' titles and dates, and the earlier findings' words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from kb.speed.parsecache import ParseCache
from kb.store.config import Config
from kb.store.loader import PARSE_CACHE, record_files


@dataclass(frozen=True)
class RawRecord:
    """A record file read as plain data, unvalidated; `data` is empty if the file is unreadable."""

    kind: str
    id: str
    path: Path
    data: dict[str, Any]

    def text(self, key: str) -> str:
        value = self.data.get(key)
        return value if isinstance(value, str) else ""

    def words(self, key: str) -> list[str]:
        value = self.data.get(key)
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


class Catalog:
    """What `kb new` needs to know about the records already there."""

    def __init__(self, config: Config):
        self.config = config
        self.files: dict[str, tuple[str, Path]] = {}
        for kind, path in record_files(config):
            if kind != "commit":
                self.files.setdefault(path.stem, (kind, path))

    def kind_of(self, record_id: str) -> str | None:
        found = self.files.get(record_id)
        return found[0] if found else None

    def ids(self, kind: str) -> list[str]:
        return [record_id for record_id, (k, _) in self.files.items() if k == kind]

    @cached_property
    def _parsed(self) -> ParseCache:
        """The parse cache `kb validate` keeps, used read-only: `kb new` must not rewrite it."""
        return ParseCache(self.config.cache / PARSE_CACHE)

    def read(self, kind: str) -> list[RawRecord]:
        """Every record file of `kind` as plain data (unreadable files as empty data)."""
        files = [path for k, path in self.files.values() if k == kind]
        parsed = self._parsed.parse_all(files)
        return [
            RawRecord(kind, path.stem, path, data if isinstance(data, dict) else {})
            for path, data in zip(files, parsed, strict=True)
        ]

    @cached_property
    def audits(self) -> list[RawRecord]:
        """Every audit, the latest start date first (ties broken by ID, for a stable order)."""
        audits = sorted(self.read("audit"), key=lambda a: a.id)
        return sorted(audits, key=lambda a: a.text("started"), reverse=True)

    @property
    def current_audit(self) -> str | None:
        """The audit a new record belongs to unless told otherwise: the one started last."""
        return self.audits[0].id if self.audits else None

    @cached_property
    def findings(self) -> list[RawRecord]:
        return self.read("finding")
