"""The audit report's sections fed by other parts: snapshot changes (records) and unrecorded commits (git)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_kb
from tests.gitrepos import GitRepo

REPORT = "docs/audits/AUD-production-ecosystem-audit-k3f9x.md"
SNAPSHOT = "data/snapshots/SNAP-production-ecosystem-audit-5nw2q.yaml"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "reports"


def test_a_later_snapshot_adds_the_changes_section(sample_kb: Path) -> None:
    first = (sample_kb / SNAPSHOT).read_text()
    later = first.replace("SNAP-production-ecosystem-audit-5nw2q", "SNAP-production-ecosystem-later-aaaaa")
    later = later.replace("taken: 2026-01-26", "taken: 2026-01-27")
    later = later.replace("- name: kyverno-policies\n  sync: OutOfSync", "- name: kyverno-policies\n  sync: Synced")
    (sample_kb / "data/snapshots/SNAP-production-ecosystem-later-aaaaa.yaml").write_text(later)
    assert run_kb(sample_kb, "render").exit_code == 0
    report = (sample_kb / REPORT).read_text()
    assert "## Changes since the previous snapshot" in report
    assert "| Application | kyverno-policies | OutOfSync/Healthy | Synced/Healthy |" in report


def test_commits_of_the_session_that_no_record_cites_are_listed(sample_kb: Path, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "infra")
    repo.commit("chore: bump ingress replicas", {"ingress.yaml": "replicas: 3\n"}, date="2026-01-25T15:00:00+00:00")
    repo.commit("docs: unrelated, a week later", {"README": "x\n"}, date="2026-02-02T10:00:00+00:00")
    with (sample_kb / "kb.toml").open("a") as toml:
        toml.write(f'\n[[repositories]]\nname = "infra"\npath = "{repo.path}"\n')
    assert run_kb(sample_kb, "render").exit_code == 0
    report = (sample_kb / REPORT).read_text()
    section = report.split("## Commits in the session window that no record cites", 1)[1]
    assert "chore: bump ingress replicas" in section
    assert "unrelated, a week later" not in report
    assert run_kb(sample_kb, "render", "--check").exit_code == 0


def test_a_commit_naming_a_finding_in_a_trailer_is_shown_with_it(sample_kb: Path) -> None:
    (sample_kb / "data/commits/abcdef1234567.yaml").write_text(
        "hash: abcdef1234567\nsubject: 'fix(infra): pin the builder agent'\n"
        "records:\n- F-vps-builder-node-cni-broken-9tb5e\n"
    )
    assert run_kb(sample_kb, "render").exit_code == 0
    finding = (sample_kb / REPORT).read_text().split("**VPS builder node CNI broken**", 1)[1].split("\n\n", 1)[0]
    assert "Linked by commit trailer: `abcdef1` fix(infra): pin the builder agent" in finding


def test_notes_kept_from_an_import_render_as_the_markdown_they_were(tmp_path: Path) -> None:
    """Through the real MkDocs build: the report's bold and code stay bold and code, its heading
    becomes bold text inside the note, and nothing in a note can add HTML."""
    root = tmp_path / "kb"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    report = tmp_path / "report.md"
    report.write_text(
        (FIXTURES / "unmapped.md").read_text()
        + "\n## Extras\n\nUse `kubectl -n db get pvc` and <b onclick=x>never this</b>.\n"
    )
    assert run_kb(root, "import", "report", str(report)).exit_code == 0
    (audit,) = (root / "records" / "audits").glob("*.yaml")
    assert run_kb(root, "render").exit_code == 0
    markdown = (root / "docs" / "audits" / f"{audit.stem}.md").read_text()
    assert "- Header: **Auditor:** Dana\n" in markdown and "- **Coffee log**  \nThree espressos" in markdown
    site = run_kb(root, "site")
    assert site.exit_code == 0, site.output
    notes = (root / "site" / "audits" / f"{audit.stem}.html").read_text().split('id="notes"', 1)[1]
    assert "Header: <strong>Auditor:</strong> Dana" in notes
    assert "<strong>Coffee log</strong><br />" in notes
    assert "<code>kubectl -n db get pvc</code>" in notes
    assert "&lt;b onclick=x&gt;never this" in notes and "<b " not in notes
