"""`kb render`: golden outputs for the sample knowledge base, --check both ways, --out, and the gates."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import markdown as python_markdown
import pytest
import yaml

from kb.check.diagnostics import Diagnostic, Stopped
from kb.rendering import outputs as render_module
from kb.rendering.outputs import Rendered, render_documents
from kb.store.config import discover
from kb.store.loader import load
from kb.store.ownership import marked
from tests.conftest import ROOT, run_kb

GOLDEN = Path(__file__).parent.parent / "golden"
REPORT = "docs/audits/AUD-production-ecosystem-audit-k3f9x.md"
FINDING = "data/findings/F-grafana-crashloopbackoff-7hd3x.yaml"
EXPECTED = sorted(["docs/GITOPS.md", "docs/INFRA_ANATOMY.md", "docs/PICKUP.md", REPORT])


def outputs(root: Path) -> Rendered:
    return render_documents(load(discover(root)))


def test_every_output_matches_its_golden_file(update_golden: bool) -> None:
    """Each document, and each region (`docs/CLAUDE.md`'s `context` as `docs/CLAUDE.context.md`)."""
    documents = outputs(ROOT)
    assert sorted(documents) == EXPECTED and sorted(documents.regions) == [("docs/CLAUDE.md", "context")]
    regions = {str(PurePosixPath(p).with_suffix(f".{name}.md")): text for (p, name), text in documents.regions.items()}
    for relative, text in {**documents, **regions}.items():
        golden = GOLDEN / relative
        if update_golden:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(text, encoding="utf-8")
        assert golden.read_text(encoding="utf-8") == text, f"{relative} differs; refresh with pytest --update-golden"


def test_the_committed_docs_are_current() -> None:
    result = run_kb(ROOT, "render", "--check")
    assert result.exit_code == 0, result.output
    assert "all current" in result.stderr


def test_rendering_is_deterministic(sample_kb: Path) -> None:
    assert outputs(sample_kb) == outputs(sample_kb) == outputs(ROOT)


def test_render_writes_then_check_passes(sample_kb: Path) -> None:
    first = run_kb(sample_kb, "render")
    assert first.exit_code == 0, first.output
    assert sorted(str(p.relative_to(sample_kb)) for p in (sample_kb / "docs").rglob("*.md")) == EXPECTED
    assert (sample_kb / REPORT).read_text() == marked((GOLDEN / REPORT).read_text())
    check = run_kb(sample_kb, "render", "--check")
    assert check.exit_code == 0 and check.stdout == ""


def test_check_shows_a_diff_exits_1_and_writes_nothing(sample_kb: Path) -> None:
    run_kb(sample_kb, "render")
    before = (sample_kb / REPORT).read_text()
    finding = sample_kb / FINDING
    finding.write_text(finding.read_text().replace("Fixed PVC and ConfigMap", "Rebuilt PVC and ConfigMap"))
    result = run_kb(sample_kb, "render", "--check")
    assert result.exit_code == 1
    assert f"--- a/{REPORT}\n+++ b/{REPORT}\n" in result.stdout
    assert "-    - Fix: Fixed PVC and ConfigMap configuration\n" in result.stdout
    assert "+    - Fix: Rebuilt PVC and ConfigMap configuration\n" in result.stdout
    assert "1 stale" in result.stderr
    assert (sample_kb / REPORT).read_text() == before


def test_a_missing_output_is_stale(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "render", "--check")
    assert result.exit_code == 1
    assert result.stdout.count("--- /dev/null") == len(EXPECTED)
    assert not (sample_kb / "docs").exists()


def test_the_report_of_a_deleted_audit_is_stale_then_removed(sample_kb: Path) -> None:
    run_kb(sample_kb, "render")
    gone = "docs/audits/AUD-old-session-4h2kq.md"
    (sample_kb / gone).write_text(marked("# Old session\n"))  # as kb wrote it
    (sample_kb / "docs/audits/notes.md").write_text("kept: not named for a record\n")
    check = run_kb(sample_kb, "render", "--check")
    assert check.exit_code == 1
    assert f"--- a/{gone}\n+++ /dev/null\n" in check.stdout and "-# Old session\n" in check.stdout
    assert "1 stale" in check.stderr and (sample_kb / gone).exists()
    result = run_kb(sample_kb, "render", "--json")
    assert result.exit_code == 0 and '"removed": [\n    "docs/audits/AUD-old-session-4h2kq.md"\n  ]' in result.stdout
    assert not (sample_kb / gone).exists() and (sample_kb / "docs/audits/notes.md").exists()
    assert run_kb(sample_kb, "render", "--check").exit_code == 0


def test_only_changed_files_are_rewritten(sample_kb: Path) -> None:
    run_kb(sample_kb, "render")
    stamps = {p: p.stat().st_mtime_ns for p in (sample_kb / "docs").rglob("*.md")}
    pickup = sample_kb / "data/actions/ACT-load-testing-3xr7m.yaml"
    pickup.write_text(pickup.read_text().replace("status: open", "status: open\npriority: P1"))
    result = run_kb(sample_kb, "render", "--json")
    assert result.exit_code == 0
    written = sorted(re.findall(r'"(docs/[^"]+)"', result.stdout.split('"unchanged"')[0]))
    assert written == ["docs/INFRA_ANATOMY.md", "docs/PICKUP.md"]
    unchanged = [p for p, stamp in stamps.items() if p.stat().st_mtime_ns == stamp]
    assert sorted(str(p.relative_to(sample_kb)) for p in unchanged) == ["docs/GITOPS.md", REPORT]


def test_out_writes_under_the_given_folder(sample_kb: Path, tmp_path: Path) -> None:
    result = run_kb(sample_kb, "render", "--out", str(tmp_path / "elsewhere"))
    assert result.exit_code == 0
    assert (tmp_path / "elsewhere" / REPORT).read_text() == marked((GOLDEN / REPORT).read_text())
    assert not (sample_kb / "docs").exists()


def test_invalid_records_stop_the_render_before_anything_is_written(sample_kb: Path) -> None:
    finding = sample_kb / FINDING
    finding.write_text(finding.read_text().replace("severity: critical", "severity: apocalyptic"))
    result = run_kb(sample_kb, "render")
    assert result.exit_code == 1
    assert f"{FINDING}:5:" in result.stderr and "E201 severity" in result.stderr
    assert not (sample_kb / "docs").exists()


def test_outputs_and_templates_come_from_kb_toml(sample_kb: Path) -> None:
    (sample_kb / "kb.toml").write_text(
        'records = "data"\ntemplates = "mine"\n'
        'outputs = [{template = "pickup.md.j2", path = "handover/{audit}-next.md"}, '
        '{template = "count.md.j2", path = "COUNT.md"}]\n'
    )
    (sample_kb / "mine").mkdir()
    (sample_kb / "mine" / "count.md.j2").write_text("{{ kb.findings | length }} findings\n")
    (sample_kb / "mine" / "pickup.md.j2").write_text("{% for i in kb.pickup %}{{ i.action.id | code }}\n{% endfor %}")
    assert run_kb(sample_kb, "render").exit_code == 0
    assert (sample_kb / "COUNT.md").read_text() == marked("10 findings\n")
    handover = (sample_kb / "handover" / "AUD-production-ecosystem-audit-k3f9x-next.md").read_text()
    assert (
        handover.splitlines()[0] == "`ACT-external-secrets-config-degraded-2pv7c`"
        and len(handover.splitlines()) == 12 + 2
    )


def test_a_template_error_names_the_template_and_line(sample_kb: Path) -> None:
    (sample_kb / "templates").mkdir()
    (sample_kb / "templates" / "gitops.md.j2").write_text("# GitOps\n\n{{ kb.no_such_view | md }}\n")
    result = run_kb(sample_kb, "render")
    assert result.exit_code == 1
    assert re.search(r"templates/gitops\.md\.j2:3:0: E603 UndefinedError: .*no_such_view", result.stderr)
    assert not (sample_kb / "docs").exists()


def test_an_output_path_cannot_leave_the_output_folder(sample_kb: Path) -> None:
    """kb.toml's check refuses `../x.md`; a symlinked folder is caught when the render resolves it."""
    (sample_kb.parent / "elsewhere").mkdir()
    (sample_kb / "out").symlink_to(sample_kb.parent / "elsewhere")
    (sample_kb / "kb.toml").write_text('records = "data"\noutputs = [{template = "gitops.md.j2", path = "out/x.md"}]\n')
    result = run_kb(sample_kb, "render")
    assert result.exit_code == 1 and "E601 outputs" in result.stderr
    assert not (sample_kb.parent / "elsewhere" / "x.md").exists()


def test_a_reverted_fix_shows_the_finding_as_regressed(sample_kb: Path) -> None:
    commit = sample_kb / "data/commits/9a96a77.yaml"
    commit.write_text(commit.read_text() + "reverted_by: abcdef1\n")
    report = outputs(sample_kb)[REPORT]
    item = report.split("**Nonexistent madfam.io subdomains in tunnel config**")[1].split("---")[0]
    assert "- Status: REGRESSED;" in item
    assert "- REGRESSED: fix `9a96a77` was reverted by `abcdef1`" in item
    assert (
        "9a96a77 fix(infra): remove nonexistent madfam.io subdomain routes from tunnel config (reverted by abcdef1)"
        in report
    )
    assert "## Issues Found (10 total, 9 resolved)" in report
    anatomy = outputs(sample_kb)["docs/INFRA_ANATOMY.md"]
    assert "| REGRESSED |" in anatomy.split("Findings not resolved:")[1]


def test_optional_sections_appear_only_with_their_context(sample_kb: Path) -> None:
    kb = load(discover(sample_kb))
    plain = render_documents(kb)[REPORT]
    assert "no record cites" not in plain and "previous snapshot" not in plain
    extra = {
        "by_audit": {
            "AUD-production-ecosystem-audit-k3f9x": {
                "unlinked": [{"hash": "0123abc", "subject": "chore: bump | pin", "date": "2026-01-25"}],
                "snapshot_diff": [{"section": "nodes", "name": "foundry-builder-01", "before": None, "after": "Ready"}],
            }
        }
    }
    report = render_documents(kb, extra)[REPORT]
    assert "| `0123abc` | 2026-01-25 | chore: bump \\| pin |" in report
    assert "| nodes | foundry-builder-01 |  | Ready |" in report
    assert render_documents(kb, extra)["docs/GITOPS.md"] == render_documents(kb)["docs/GITOPS.md"]


HOSTILE = "<script>alert(1)</script> | [x](javascript:alert(1))\n# not a heading\n```"


def test_hostile_records_render_inert_html(sample_kb: Path) -> None:
    """Put hostile text in every kind of field that reaches a table, a list or prose."""
    edits = {
        FINDING: ("Missing PVC mount", HOSTILE),
        "data/actions/ACT-load-testing-3xr7m.yaml": ("Load testing", HOSTILE),
        "data/snapshots/SNAP-production-ecosystem-audit-5nw2q.yaml": ("Hooks disabled", HOSTILE),
        "data/lessons/L-golden-tests-7wb5m.yaml": ("Golden tests", HOSTILE),
    }
    for relative, (old, new) in edits.items():
        path = sample_kb / relative
        text = path.read_text()
        assert old in text
        quoted = '"' + new.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        path.write_text(re.sub(rf"(: ){re.escape(old)}[^\n]*", lambda m, q=quoted: m.group(1) + q, text, count=1))
    documents = outputs(sample_kb)
    assert sum(doc.count("&lt;script>") for doc in documents.values()) >= 4
    for relative, text in documents.items():
        html = python_markdown.markdown(text, extensions=["tables", "fenced_code"]).lower()
        assert "<script" not in html and "javascript:" not in html, relative
        assert "<h1>not a heading" not in html
        for table in re.findall(r"<table>.*?</table>", html, re.DOTALL):
            widths = {len(re.findall(r"<t[dh]>", row)) for row in re.findall(r"<tr>.*?</tr>", table, re.DOTALL)}
            assert len(widths) == 1, (relative, table)


def test_help_teaches() -> None:
    result = run_kb(ROOT, "render", "--help")
    assert "kb render --check" in result.output and "unified diff" in result.output


def test_snapshot_sections_appear_only_when_recorded(sample_kb: Path) -> None:
    optional = ("## Namespaces", "## Services", "## Tunnel Routes", "## Host Containers")
    assert not [h for h in optional if h in outputs(sample_kb)["docs/INFRA_ANATOMY.md"]]
    snapshot = sample_kb / "data/snapshots/SNAP-production-ecosystem-audit-5nw2q.yaml"
    snapshot.write_text(
        snapshot.read_text()
        + "namespaces:\n- name: sentinel\n  note: reserved\n"
        + "routes:\n- host: agents.madfam.io\n  service: http_status:503\n"
    )
    anatomy = outputs(sample_kb)["docs/INFRA_ANATOMY.md"]
    assert "## Namespaces\n\n| Namespace | Notes |\n|-----------|-------|\n| sentinel | reserved |\n" in anatomy
    assert "| agents.madfam.io | `http_status:503` |  |" in anatomy
    assert "## Services" not in anatomy and "## Host Containers" not in anatomy


def test_the_offered_pre_commit_hooks_pass_on_this_repository() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["kb-validate", "kb-render-check"]
    for hook in hooks:
        program, *args = hook["entry"].split()
        assert program == "kb"
        result = run_kb(ROOT, *args)
        assert result.exit_code == 0, (hook["id"], result.output)


def test_documents_rendered_on_all_cores_are_the_same(sample_kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = outputs(sample_kb)
    monkeypatch.setattr(render_module, "PARALLEL_MIN", 1)  # four documents: one worker per core
    assert outputs(sample_kb) == serial


def test_a_template_error_in_a_worker_names_the_template_and_line(
    sample_kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render_module, "PARALLEL_MIN", 1)
    (sample_kb / "templates").mkdir()
    (sample_kb / "templates" / "audit_report.md.j2").write_text("# Report\n\n{{ report.no_such_view | md }}\n")
    with pytest.raises(Stopped) as raised:
        outputs(sample_kb)
    (problem,) = raised.value.problems
    assert isinstance(problem, Diagnostic)
    assert problem.file.endswith("templates/audit_report.md.j2") and problem.line == 3 and problem.code == "E603"
