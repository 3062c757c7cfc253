"""`kb schema` and the record files' editor header: the JSON Schema comes from the models."""

from __future__ import annotations

import json
from pathlib import Path

from kb.records.models import KINDS
from tests.conftest import SAMPLE, run_kb


def test_schema_writes_one_file_per_kind_with_field_descriptions(sample_kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    result = run_kb(sample_kb, "schema", "--out", str(out))
    assert result.exit_code == 0
    assert sorted(p.stem for p in out.iterdir()) == sorted(KINDS)
    finding = json.loads((out / "finding.json").read_text())
    assert finding["additionalProperties"] is False
    assert finding["properties"]["root_cause"]["anyOf"][0]["type"] == "string"
    assert "Why it happened" in json.dumps(finding["properties"]["root_cause"])
    assert run_kb(sample_kb, "schema", "--out", str(out)).output.startswith("schemas in")


def test_print_one_kind(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "schema", "--print", "lesson")
    assert json.loads(result.stdout)["required"] == ["id", "title", "rule"]


def test_committed_schemas_and_record_headers_are_current(tmp_path: Path) -> None:
    """The sample's _schema files match the models, and every record names its kind's schema."""
    run_kb(SAMPLE.parent, "schema", "--out", str(tmp_path))
    for kind in KINDS:
        assert (SAMPLE / "_schema" / f"{kind}.json").read_text() == (tmp_path / f"{kind}.json").read_text()
    for kind, model in KINDS.items():
        for path in (SAMPLE / model.folder).glob("*.yaml"):
            assert path.read_text().startswith(f"# yaml-language-server: $schema=../_schema/{kind}.json\n")
