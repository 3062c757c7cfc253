"""No input makes kb wait forever: real `kb` processes, each with a timeout it must beat.

An invalid draft with an editor that does not wait for a person, and no terminal, ends with the
draft's problems; an input that never ends (/dev/zero) is cut off at its limit, whichever verb
reads it. (The daemon's share is in tests/speed/test_daemon_hostile.py.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.author.test_new import on_terminal

TIMEOUT = 60
AUDIT = "AUD-production-ecosystem-audit-k3f9x"
INVALID_DRAFT = "title: Disk full on builder\nseverity: hgih\naudit: AUD-production-ecosystem-audit-k3f9x\n"


def kb(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", "--root", str(root), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **env},
        timeout=TIMEOUT,
    )


def test_an_invalid_draft_with_no_terminal_fails_with_its_problems(sample_kb: Path, tmp_path: Path) -> None:
    draft = tmp_path / "draft.yaml"
    draft.write_text(INVALID_DRAFT)
    result = kb(sample_kb, "new", "finding", "--from", str(draft), EDITOR="true", VISUAL="")
    assert result.returncode == 1
    assert ".yaml:2:1: E201 severity: Input should be" in result.stderr
    assert "no terminal to edit it again" in result.stderr and "nothing was saved" in result.stderr
    kept = result.stderr.split("Your text is kept in ")[1].split("\n")[0]
    assert "severity: hgih" in Path(kept).read_text()  # with the problems on top, to resume from


def test_an_editor_that_changes_nothing_ends_the_loop_on_a_terminal_too(sample_kb: Path, tmp_path: Path) -> None:
    draft = tmp_path / "draft.yaml"
    draft.write_text(INVALID_DRAFT)
    os.environ["EDITOR"], os.environ["VISUAL"] = "true", ""
    try:
        status, output = on_terminal(sample_kb, ["new", "finding", "--from", str(draft)], [])
    finally:
        del os.environ["EDITOR"], os.environ["VISUAL"]
    assert status == 1
    assert "the editor left it unchanged" in output and "E201 severity" in output


ENDLESS = [
    (["new", "finding", "--from", "/dev/zero"], "kb: new: /dev/zero: larger than the 1 MiB kb reads from one input"),
    (["new", "finding", "--json", "/dev/zero"], "/dev/zero: cannot read JSON: larger than the 64 MiB"),
    (["import", "report", "/dev/zero"], "E703 cannot read the report: larger than the 64 MiB"),
    (["import", "kubectl", "/dev/zero", "--audit", AUDIT], "E703 cannot read: larger than the 512 MiB"),
]


@pytest.mark.parametrize(("args", "message"), ENDLESS, ids=[" ".join(args[:2]) for args, _ in ENDLESS])
def test_an_input_that_never_ends_is_cut_off_at_its_limit(sample_kb: Path, args: list[str], message: str) -> None:
    before = sorted(sample_kb.rglob("*.yaml"))
    result = kb(sample_kb, *args)
    assert result.returncode == 1, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert sorted(sample_kb.rglob("*.yaml")) == before


def test_a_kb_toml_that_never_ends_is_cut_off(sample_kb: Path) -> None:
    (sample_kb / "kb.toml").unlink()
    (sample_kb / "kb.toml").symlink_to("/dev/zero")
    for args in (["validate"], ["search", "disk"]):
        result = kb(sample_kb, *args)
        assert result.returncode == 2
        assert "kb.toml:0:0: E601 cannot read it: larger than the 1 MiB" in result.stderr
