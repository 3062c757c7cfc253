"""The render stamp: a settled `kb render --check` loads no record, and no change hides behind it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import run_kb

from kb import render, stamp

REPORT = "docs/audits/AUD-production-ecosystem-audit-k3f9x.md"
FINDING = "data/findings/F-grafana-crashloopbackoff-7hd3x.yaml"
HOUR_AGO = time.time() - 3600


def settle(root: Path) -> None:
    """Age every file past the racy window, as files in a real checkout are."""
    for folder, _, names in os.walk(root):
        for name in names:
            os.utime(Path(folder) / name, (HOUR_AGO, HOUR_AGO))


def edit(root: Path) -> None:
    path = root / FINDING
    path.write_text(path.read_text().replace("Fixed PVC", "Repaired PVC"))


def test_a_settled_check_loads_no_record(sample_kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_kb(sample_kb, "render").exit_code == 0
    settle(sample_kb)
    assert run_kb(sample_kb, "render", "--check").exit_code == 0  # stamps the settled inputs
    assert (sample_kb / ".kb-cache" / stamp.STAMP_FILE).is_file()

    def no_loading(*args: object) -> None:
        raise AssertionError("the stamp should have proved the outputs current")

    monkeypatch.setattr(render, "load", no_loading)
    result = run_kb(sample_kb, "render", "--check")
    assert result.exit_code == 0 and "4 outputs checked: all current" in result.stderr


def test_the_stamp_never_hides_a_change(sample_kb: Path) -> None:
    run_kb(sample_kb, "render")
    settle(sample_kb)
    run_kb(sample_kb, "render", "--check")
    edit(sample_kb)
    assert run_kb(sample_kb, "render", "--check").exit_code == 1
    run_kb(sample_kb, "render")
    settle(sample_kb)
    run_kb(sample_kb, "render", "--check")
    report = sample_kb / REPORT
    report.write_text(report.read_text().replace("Repaired", "Hand-edited"))
    os.utime(report, (HOUR_AGO, HOUR_AGO))
    result = run_kb(sample_kb, "render", "--check")
    assert result.exit_code == 1 and "-   - Fix: Hand-edited PVC" in result.stdout


def test_racy_inputs_get_no_stamp(sample_kb: Path) -> None:
    edit(sample_kb)  # a record written a moment ago: its mtime cannot prove anything yet
    assert run_kb(sample_kb, "render").exit_code == 0
    assert not (sample_kb / ".kb-cache" / stamp.STAMP_FILE).exists()
