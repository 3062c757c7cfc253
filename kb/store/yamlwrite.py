"""Writing records as YAML that reads as if a person had written it."""

from __future__ import annotations

from enum import Enum
from typing import Any

import yaml

from kb.records.models import Stored
from kb.records.schemas import header
from kb.store.loader import plain

_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _str(dumper: Any, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    node: yaml.ScalarNode = dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)
    return node


class _RecordDumper(_Dumper):  # type: ignore[misc]
    """Block style, field order kept, multi-line text as literal blocks."""


def _enum(dumper: Any, value: Enum) -> yaml.ScalarNode:
    return _str(dumper, str(value.value))


_RecordDumper.add_representer(str, _str)
_RecordDumper.add_multi_representer(Enum, _enum)


def dumps(data: dict[str, Any]) -> str:
    text: str = yaml.dump(data, Dumper=_RecordDumper, sort_keys=False, allow_unicode=True, width=1000)
    return text


def record_text(record: Stored) -> str:
    """The full file for a record: the schema header, then its set fields in model order."""
    return header(record.kind) + dumps(plain(record))
