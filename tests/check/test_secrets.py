"""The secret gate: credentials in a record stop the render, with file, line, field and rule.

What the rules find and let pass is tested on the corpus in tests/check/test_secret_corpus.py.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kb.check import secretscan
from kb.check.diagnostics import Diagnostic
from kb.check.secretscan import find
from kb.check.secretvalues import entropy
from kb.store.config import discover
from kb.store.loader import PARSE_CACHE, Entry, load
from tests.conftest import run_kb

FAKE_GITHUB = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


def test_an_allowed_exact_string_passes() -> None:
    assert list(find("key AKIAIOSFODNN7EXAMPLE", frozenset({"AKIAIOSFODNN7EXAMPLE"}))) == []
    assert [r.name for r, _ in find("key AKIAIOSFODNN7EXAMPLE", frozenset({"AKIAIOSFODNN7"}))] == ["aws-access-token"]


def test_entropy_separates_words_from_random_strings() -> None:
    assert entropy("aaaaaaaa") == 0
    assert entropy("Zx8Kq2mN4pL7vR9tY3wB") > 4


FINDING = "data/findings/F-dhanam-api-crashlooping-4kq2m.yaml"


def test_a_secret_stops_the_render_with_file_line_field_and_rule(sample_kb: Path) -> None:
    path = sample_kb / FINDING
    lines = path.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("fix:"))
    lines[at] = f"fix: 'Rotated the token; new one is {FAKE_GITHUB}'"
    path.write_text("\n".join(lines) + "\n")
    result = run_kb(sample_kb, "render")
    assert result.exit_code == 1
    column = lines[at].index("ghp_") + 1
    assert (
        f"{FINDING}:{at + 1}:{column}: E602 fix: a GitHub personal access token (github-pat): ghp_… (40 characters)"
        in result.stderr
    )
    assert FAKE_GITHUB not in result.output
    assert not (sample_kb / "docs").exists()


def test_a_secret_inside_a_multi_line_value_is_reported_on_its_own_line(sample_kb: Path) -> None:
    path = sample_kb / FINDING
    text = path.read_text().replace(
        "fix: Switched to TCP probes (port 4200)",
        "fix: |\n  Switched to TCP probes.\n  Also rotated: postgres://app:s3cretPass@db/app\n",
    )
    path.write_text(text)
    line = text.splitlines().index("  Also rotated: postgres://app:s3cretPass@db/app") + 1
    result = run_kb(sample_kb, "render", "--check")
    assert result.exit_code == 1
    assert (
        f"{FINDING}:{line}:32:" in result.stderr and "E602 fix: a password in a URL (password-in-url)" in result.stderr
    )


def test_allow_secrets_lets_a_known_false_positive_render(sample_kb: Path) -> None:
    path = sample_kb / FINDING
    path.write_text(
        path.read_text().replace("fix: Switched", "fix: Example key AKIAIOSFODNN7EXAMPLE from the docs. Switched")
        + "allow_secrets:\n- AKIAIOSFODNN7EXAMPLE\n"
    )
    result = run_kb(sample_kb, "render")
    assert result.exit_code == 0, result.output
    assert "AKIAIOSFODNN7EXAMPLE" in (sample_kb / "docs/audits/AUD-production-ecosystem-audit-k3f9x.md").read_text()


# --- remembering clean files -------------------------------------------------------------


def settle(root: Path, age: float = 60, only: str | None = None) -> None:
    """Date record files (all, or `only` one) `age` seconds back, past the racy window, as in a checkout."""
    when = time.time() - age
    for path in [root / only] if only else (root / "data").rglob("*.yaml"):
        os.utime(path, (when, when))


def scan(root: Path) -> list[Diagnostic]:
    return secretscan.scan(load(discover(root)))


@pytest.fixture
def scanned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the scan looks into (rather than trusting the cache), in order."""
    seen: list[str] = []
    real = secretscan.hits

    def spy(entry: Entry) -> Iterator[secretscan.Hit]:
        seen.append(entry.file)
        return real(entry)

    monkeypatch.setattr(secretscan, "hits", spy)
    return seen


def secret_in_finding(root: Path) -> None:
    path = root / FINDING
    path.write_text(path.read_text().replace("fix: Switched", f"fix: Rotated {FAKE_GITHUB}. Switched"))


@pytest.mark.speed
def test_a_settled_clean_file_is_not_scanned_again(sample_kb: Path, scanned: list[str]) -> None:
    settle(sample_kb)
    assert scan(sample_kb) == []
    files = len(scanned)
    assert files > 20 and scan(sample_kb) == [] and len(scanned) == files


@pytest.mark.speed
def test_an_edited_record_is_scanned_again(sample_kb: Path, scanned: list[str]) -> None:
    settle(sample_kb)
    assert scan(sample_kb) == []
    secret_in_finding(sample_kb)
    settle(sample_kb, age=30, only=FINDING)  # settled again, with a new mtime: as after a commit and a pause
    scanned.clear()
    assert [d.file for d in scan(sample_kb)] == [FINDING] and scanned == [FINDING]


@pytest.mark.speed
def test_a_recent_file_is_never_remembered_clean(sample_kb: Path, scanned: list[str]) -> None:
    settle(sample_kb)
    (sample_kb / FINDING).write_text((sample_kb / FINDING).read_text())  # just written: racy
    scan(sample_kb)
    scanned.clear()
    scan(sample_kb)
    assert scanned == [FINDING]


def test_a_file_with_a_secret_is_scanned_every_time(sample_kb: Path) -> None:
    secret_in_finding(sample_kb)
    settle(sample_kb)
    assert len(scan(sample_kb)) == len(scan(sample_kb)) == 1


@pytest.mark.speed
def test_new_code_or_libraries_scan_every_file_again(
    sample_kb: Path, scanned: list[str], change_the_key: Callable[[], None]
) -> None:
    """The rules are kb's code, and so are the parsing and models that make the records."""
    settle(sample_kb)
    scan(sample_kb)
    files = list(scanned)
    scan(sample_kb)
    assert len(scanned) == len(files)
    change_the_key()
    scanned.clear()
    scan(sample_kb)
    assert scanned == files


@pytest.mark.speed
def test_a_corrupt_or_unwritable_parse_cache_only_costs_time(sample_kb: Path) -> None:
    settle(sample_kb)
    cache = sample_kb / ".kb-cache" / PARSE_CACHE
    cache.parent.mkdir()
    cache.write_bytes(b"\x00garbage")
    secret_in_finding(sample_kb)
    settle(sample_kb)
    assert len(scan(sample_kb)) == 1
    cache.unlink()
    cache.mkdir()  # cannot be replaced by a file
    assert len(scan(sample_kb)) == 1


@pytest.mark.speed
def test_a_just_edited_file_alone_does_not_rewrite_the_parse_cache(sample_kb: Path) -> None:
    settle(sample_kb)
    scan(sample_kb)
    cache = sample_kb / ".kb-cache" / PARSE_CACHE
    before, stored = cache.stat(), cache.read_bytes()
    (sample_kb / FINDING).write_text((sample_kb / FINDING).read_text() + "\n")  # racy: not remembered
    scan(sample_kb)
    assert (cache.stat().st_ino, cache.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    settle(sample_kb, age=30, only=FINDING)
    scan(sample_kb)
    assert cache.read_bytes() != stored  # the settled file's entry, found clean (inode numbers get reused)


def test_a_keyword_json_escapes_still_wakes_the_scan(sample_kb: Path) -> None:
    """The scan first looks for keywords in the record's JSON, where quotes are escaped."""
    path = sample_kb / FINDING
    auth = '{"auths": {"ghcr.io": {"auth": "bWFkZmFtLWJvdDpzM2NyZXQtcGFzc3dvcmQ="}}}'
    path.write_text(path.read_text().replace("fix: Switched to TCP probes (port 4200)", f"fix: 'Docker config {auth}'"))
    assert [d.message.split(":")[0] for d in scan(sample_kb)] == [
        "a high-entropy value under a key-like name (secret-assignment)"
    ]
