"""`kb edit`: a record in `$EDITOR`, saved only when valid, its comments kept, the text never lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_kb
from tests.terminal import drafts, fake_editor

AUDIT = "AUD-production-ecosystem-audit-k3f9x"
GRAFANA = "F-grafana-crashloopbackoff-7hd3x"


@pytest.fixture
def grafana(sample_kb: Path) -> Path:
    path = sample_kb / "data" / "findings" / f"{GRAFANA}.yaml"
    path.write_text(path.read_text().replace("severity: critical\n", "severity: critical  # paged twice\n"))
    return path


def test_a_valid_edit_is_saved_as_typed(
    sample_kb: Path, grafana: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_editor(tmp_path, monkeypatch, 'path.write_text(text.replace("status: resolved", "status: mitigated\\n# why"))')
    result = run_kb(sample_kb, "edit", "F-grafana")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Saved {GRAFANA} (status): data/findings/{GRAFANA}.yaml\n"
    seen = (tmp_path / "fake_editor.seen1").read_text()
    assert seen.startswith("# yaml-language-server") and "# paged twice" in seen  # the file's own text
    text = grafana.read_text()
    assert "status: mitigated\n# why\n" in text and "severity: critical  # paged twice\n" in text
    assert drafts(sample_kb) == []


def test_an_invalid_edit_reopens_with_the_problems_on_top(
    sample_kb: Path, grafana: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_editor(
        tmp_path,
        monkeypatch,
        f"""
        if run == 1:
            text = text.replace("status: resolved", "status: fixed").replace("id: {GRAFANA}", "id: F-renamed-00000")
        elif run == 2:  # the schema is right now, so the audit it names is checked
            text = text.replace("status: fixed", "status: resolved").replace("{AUDIT}", "AUD-nope-00000")
            text = text.replace("id: F-renamed-00000", "id: {GRAFANA}")
        else:
            text = text.replace("AUD-nope-00000", "{AUDIT}").replace("title:", "context: again\\ntitle:")
        path.write_text(text)
        """,
    )
    result = run_kb(sample_kb, "edit", GRAFANA, "--json")
    assert result.exit_code == 0, result.output
    head = (tmp_path / "fake_editor.seen2").read_text().splitlines()
    assert head[0].startswith("#! kb: not saved yet")
    assert any("status: Input should be 'open', 'mitigated', 'resolved' or 'wontfix'" in line for line in head[:4])
    assert any(f"id: the ID names the file: keep {GRAFANA}" in line for line in head[:4])
    third = (tmp_path / "fake_editor.seen3").read_text().splitlines()
    assert any("audit: no audit with ID AUD-nope-00000" in line for line in third[:3])
    assert json.loads(result.stdout)["changed"] == {"context": {"from": None, "to": "again"}}
    assert "#!" not in grafana.read_text() and "context: again\n" in grafana.read_text()


def test_giving_up_keeps_the_text_and_the_record(
    sample_kb: Path, grafana: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = grafana.read_bytes()
    fake_editor(
        tmp_path,
        monkeypatch,
        """
        if run == 1:
            path.write_text(text.replace("severity: critical", "severity: dire") + "fix_note: precious words\\n")
        else:
            path.write_text("")
        """,
    )
    result = run_kb(sample_kb, "edit", GRAFANA)
    assert result.exit_code == 1
    assert "the file was left empty; the record was not changed" in result.stderr
    (draft,) = drafts(sample_kb)
    assert f"kb edit {GRAFANA} --from {draft}" in result.stderr
    assert "precious words" in draft.read_text()
    assert grafana.read_bytes() == before

    fake_editor(
        tmp_path,
        monkeypatch,
        'path.write_text(text.replace("fix_note: precious words\\n", "").replace("severity: dire", "severity: high"))',
    )
    (tmp_path / "fake_editor.count").unlink()
    resumed = run_kb(sample_kb, "edit", GRAFANA, "--from", str(draft))
    assert resumed.exit_code == 0, resumed.output
    assert "severity: high  # paged twice\n" in grafana.read_text() and "precious" not in grafana.read_text()
    assert "#!" not in (tmp_path / "fake_editor.seen1").read_text()  # the draft is resumed as it was left


def test_a_file_changed_meanwhile_is_not_overwritten(
    sample_kb: Path, grafana: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_editor(
        tmp_path,
        monkeypatch,
        f"""
        record = pathlib.Path({str(grafana)!r})
        record.write_text(record.read_text() + "context: a teammate's edit\\n")
        path.write_text(text.replace("status: resolved", "status: open"))
        """,
    )
    result = run_kb(sample_kb, "edit", GRAFANA)
    assert result.exit_code == 1
    assert f"data/findings/{GRAFANA}.yaml changed on disk while you edited it" in result.stderr
    assert "a teammate's edit" in grafana.read_text() and "status: resolved" in grafana.read_text()
    (draft,) = drafts(sample_kb)
    assert "status: open" in draft.read_text()


def test_a_broken_file_can_be_mended(sample_kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = sample_kb / "data" / "actions" / "ACT-load-testing-3xr7m.yaml"
    path.write_text(path.read_text().replace("status: open", "status: [open"))
    assert run_kb(sample_kb, "validate").exit_code == 1
    fake_editor(tmp_path, monkeypatch, 'path.write_text(text.replace("status: [open", "status: open"))')
    result = run_kb(sample_kb, "edit", "ACT-load-testing", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["changed"]["status"] == {"from": None, "to": "open"}
    assert run_kb(sample_kb, "validate").exit_code == 0


def test_an_unknown_id_is_refused(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "edit", "F-nope")
    assert result.exit_code == 1
    assert "no record 'F-nope' in the records" in result.stderr
