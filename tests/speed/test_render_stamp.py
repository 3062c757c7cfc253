"""The render stamp: a settled `kb render --check` loads no record, and no change hides behind it."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kb.check import secretscan
from kb.speed import filecache, renderstamp
from kb.store import loader
from tests.conftest import edit_keeping_mtime, run_kb
from tests.gitrepos import build_world

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


def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The knowledge bases loaded from now on (a check the stamp answers loads none)."""
    loaded: list[Path] = []
    real = loader.load

    def counted(config: loader.Config, *args: object, **kwargs: object) -> loader.KnowledgeBase:
        loaded.append(config.root)
        return real(config, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "load", counted)
    return loaded


def stamped(root: Path) -> None:
    """Render, settle every file and check: the stamp then vouches for the outputs."""
    assert run_kb(root, "render").exit_code == 0
    settle(root)
    assert run_kb(root, "render", "--check").exit_code == 0
    assert (root / ".kb-cache" / renderstamp.STAMP_FILE).is_file()


@pytest.mark.speed
def test_a_settled_check_loads_no_record(sample_kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stamped(sample_kb)
    loaded = loads(monkeypatch)
    result = run_kb(sample_kb, "render", "--check")
    assert result.exit_code == 0 and "4 outputs checked: all current" in result.stderr
    assert loaded == []


@pytest.mark.speed
def test_with_repositories_the_stamp_holds_until_a_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = build_world(tmp_path)
    stamped(world.root)
    loaded = loads(monkeypatch)
    assert run_kb(world.root, "render", "--check").exit_code == 0 and loaded == []
    world.app.commit("chore: unrecorded hotfix", {"hotfix.txt": "x\n"})  # made during the audit
    result = run_kb(world.root, "render", "--check")
    assert result.exit_code == 1 and "chore: unrecorded hotfix" in result.stdout and loaded == [world.root]
    stamped(world.root)
    loaded.clear()
    world.infra.git("branch", "parked", "HEAD~1")  # a new tip, the documents the same
    assert run_kb(world.root, "render", "--check").exit_code == 0 and loaded == [world.root]


@pytest.mark.speed
def test_a_same_size_edit_with_its_mtime_put_back_is_seen(sample_kb: Path) -> None:
    stamped(sample_kb)
    edit_keeping_mtime(sample_kb / FINDING, "Fixed PVC", "Fixed NFS")
    result = run_kb(sample_kb, "render", "--check")
    assert result.exit_code == 1 and "+    - Fix: Fixed NFS" in result.stdout


@pytest.mark.speed
def test_new_code_or_libraries_do_not_trust_the_stamp(
    sample_kb: Path, monkeypatch: pytest.MonkeyPatch, change_the_key: Callable[[], None]
) -> None:
    stamped(sample_kb)
    loaded = loads(monkeypatch)
    change_the_key()
    assert run_kb(sample_kb, "render", "--check").exit_code == 0 and loaded == [sample_kb]


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
    assert result.exit_code == 1 and "-    - Fix: Hand-edited PVC" in result.stdout


@pytest.mark.speed
def test_racy_inputs_get_no_stamp(sample_kb: Path) -> None:
    edit(sample_kb)  # a record written a moment ago: its mtime cannot prove anything yet
    assert run_kb(sample_kb, "render").exit_code == 0
    assert not (sample_kb / ".kb-cache" / renderstamp.STAMP_FILE).exists()


# --- every cache a render keeps gives way to a change --------------------------------------


def change_a_record(root: Path) -> str:
    path = root / FINDING
    path.write_text(path.read_text().replace("Fixed PVC", "Mended PVC"))  # same size, same inode
    return "Mended PVC"


def change_a_template(root: Path) -> str:
    (root / "templates").mkdir()
    default = Path(__file__).parent.parent.parent / "templates" / "audit_report.md.j2"
    (root / "templates" / "audit_report.md.j2").write_text(default.read_text().replace("## Cleanup", "## Tidying"))
    return "## Tidying"


def change_the_config(root: Path) -> str:
    outputs = '[{template = "audit_report.md.j2", path = "{audit}.md"}]'
    (root / "kb.toml").write_text(f'records = "data"\noutputs = {outputs}\n')
    return "Fixed PVC"


def change_the_rules(root: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new rule, as a new kb release brings: in kb's code, so the code digest changes too."""
    rule = secretscan.Rule("pvc", "a PVC, for the test", re.compile(r"Fixed PVC"))
    monkeypatch.setattr(secretscan, "RULES", (*secretscan.RULES, rule))
    monkeypatch.setattr(secretscan, "_suspect", lambda text: True)
    monkeypatch.setattr(filecache, "code_digest", lambda: "the digest of kb's code with the new rule")
    return "E602 fix: a PVC, for the test"


@pytest.mark.parametrize("change", [change_a_record, change_a_template, change_the_config, change_the_rules])
def test_warm_caches_never_serve_a_stale_render(
    sample_kb: Path, monkeypatch: pytest.MonkeyPatch, change: Callable[..., str]
) -> None:
    run_kb(sample_kb, "render")
    settle(sample_kb)
    assert run_kb(sample_kb, "render").exit_code == 0  # parse, scan and template caches now hold everything
    shutil.rmtree(sample_kb / "docs")  # so the render stamp cannot answer alone
    expected = change(sample_kb, monkeypatch) if change is change_the_rules else change(sample_kb)
    for folder, _, names in os.walk(sample_kb):  # settled, yet later than before: as after a commit
        for name in names:
            if (Path(folder) / name).stat().st_mtime > HOUR_AGO + 1:
                os.utime(Path(folder) / name, (HOUR_AGO + 60, HOUR_AGO + 60))
    result = run_kb(sample_kb, "render")
    rendered = "".join(p.read_text() for p in sample_kb.rglob("*.md") if ".kb-cache" not in p.parts)
    assert expected in rendered + result.stderr
