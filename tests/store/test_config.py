"""Reading kb.toml: every bad input in tests/cases/bad_config.yaml gives its diagnostics, all in one run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kb.store.config import DEFAULT_OUTPUTS, ConfigError, Output, Repository, load
from tests import unprivileged
from tests.conftest import run_kb

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent.parent / "cases" / "bad_config.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_config_is_reported_at_its_line(tmp_path: Path, case: dict[str, Any]) -> None:
    (tmp_path / "kb.toml").write_bytes(case["text"].encode(case.get("encoding", "utf-8")))
    with pytest.raises(ConfigError) as err:
        load(tmp_path)
    found = [f"{d.code} {d.line}:{d.column}" + (f" {d.field}" if d.field else "") for d in err.value.diagnostics]
    assert found == case["expect"]
    if "message" in case:
        assert any(case["message"] in d.message for d in err.value.diagnostics), err.value.diagnostics


def test_every_problem_is_printed_and_is_a_usage_error(tmp_path: Path) -> None:
    case = next(c for c in CASES if c["name"] == "everything at once")
    (tmp_path / "kb.toml").write_text(case["text"])
    result = run_kb(tmp_path, "validate")
    assert result.exit_code == 2
    printed = [line for line in result.stderr.splitlines() if line.startswith("kb.toml:")]
    assert [" ".join(line.split(" ")[:2]) for line in printed] == [
        f"kb.toml:{e.split()[1]}: E601" for e in case["expect"]
    ]
    assert "kb.toml:1:1: E601 recrods: unknown setting; did you mean records?" in printed
    search = run_kb(tmp_path, "search", "anything")
    assert search.exit_code == 2
    assert [line for line in search.stderr.splitlines() if line.startswith("kb.toml:")] == printed


@pytest.mark.parametrize(
    "text",
    [
        '[site]\ndocs_dir = "d"\nsite_dir = "s"\n',
        'site.docs_dir = "d"\nsite.site_dir = "s"\n',
        'site = { docs_dir = "d", site_dir = "s" }\n',
    ],
    ids=["table", "dotted keys", "inline table"],
)
def test_a_setting_may_take_any_of_tomls_shapes(tmp_path: Path, text: str) -> None:
    (tmp_path / "kb.toml").write_text(text)
    config = load(tmp_path)
    assert (config.site_docs, config.site_dir) == (tmp_path / "d", tmp_path / "s")


def test_an_empty_kb_toml_takes_every_default(tmp_path: Path) -> None:
    (tmp_path / "kb.toml").write_text("")
    config = load(tmp_path)
    assert config.records == tmp_path / "records"
    assert config.cache == tmp_path / ".kb-cache"
    assert config.outputs == DEFAULT_OUTPUTS
    assert config.trailers == ("Finding", "Action", "Lesson", "Refs")
    assert config.repositories == ()


def test_the_first_repository_is_the_default_unless_another_says_so(tmp_path: Path) -> None:
    (tmp_path / "kb.toml").write_text('[[repositories]]\nname = "a"\n[[repositories]]\nname = "b"\npath = "../b"\n')
    assert load(tmp_path).repositories == (Repository("a", tmp_path, True), Repository("b", tmp_path / "../b"))
    (tmp_path / "kb.toml").write_text('[[repositories]]\nname = "a"\n[[repositories]]\nname = "b"\ndefault = true\n')
    assert [r.default for r in load(tmp_path).repositories] == [False, True]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: path.mkdir(), "kb.toml:0:0: E601 is a folder, not a file"),
        (lambda path: path.symlink_to(path.parent / "gone"), "no kb.toml here"),
    ],
    ids=["a folder", "a dangling symlink"],
)
def test_a_kb_toml_that_is_not_a_file_is_an_error(tmp_path: Path, make: Any, message: str) -> None:
    make(tmp_path / "kb.toml")
    result = run_kb(tmp_path, "validate")
    assert result.exit_code == 2
    assert message in result.stderr


def test_an_unreadable_kb_toml_is_an_error(tmp_path: Path) -> None:
    """Permission denied for real: kb runs without the capabilities that let root past a mode of 000."""
    (tmp_path / "kb.toml").write_text('records = "data"\n')
    (tmp_path / "kb.toml").chmod(0)
    result = subprocess.run(
        [sys.executable, "-m", "kb", "--root", str(tmp_path), "validate"],
        capture_output=True,
        text=True,
        preexec_fn=unprivileged.preexec(),
    )
    assert result.returncode == 2
    assert "kb.toml:0:0: E601 cannot read it: Permission denied" in result.stderr


def test_a_folder_named_kb_toml_is_found_and_reported_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "kb.toml").write_text('records = "data"\n')
    inner = tmp_path / "inner"
    (inner / "kb.toml").mkdir(parents=True)
    result = run_kb(inner, "validate")
    assert result.exit_code == 2 and "is a folder, not a file" in result.stderr


def test_outputs_keep_their_order(tmp_path: Path) -> None:
    (tmp_path / "kb.toml").write_text(
        '[[outputs]]\ntemplate = "b.j2"\npath = "b.md"\n[[outputs]]\ntemplate = "a.j2"\npath = "docs/{audit}.md"\n'
    )
    assert load(tmp_path).outputs == (Output("b.j2", "b.md"), Output("a.j2", "docs/{audit}.md"))


def test_reading_every_setting_takes_the_standard_library_alone(tmp_path: Path) -> None:
    """`kb search` reads kb.toml, and must not pay for dataclasses (with inspect) or the libraries."""
    (tmp_path / "kb.toml").write_text(
        'records = "data"\n[site]\nsite_dir = "s"\n[link]\ntrailers = ["Refs"]\n[diagnostics]\nignore = ["W502"]\n'
        '[[repositories]]\nname = "infra"\n[[outputs]]\ntemplate = "t.j2"\npath = "t.md"\n'
    )
    code = f"import sys, pathlib\nfrom kb.store.config import load\nload(pathlib.Path({str(tmp_path)!r}))\n"
    code += "print(' '.join(sys.modules))"
    loaded = set(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    )
    assert not {"dataclasses", "difflib", "click", "pydantic", "yaml", "kb.store.tomlpos"} & loaded
