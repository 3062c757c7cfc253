"""`kb new`: the flag, prompt and editor routes, refusals, concurrency and recurrence hints."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb.author import create as create_module
from kb.author.create import create
from kb.author.recurrence import token_similarity
from kb.records.fields import form_fields
from kb.records.models import Finding
from kb.store.catalog import Catalog
from kb.store.config import discover
from tests.conftest import ROOT, run_kb
from tests.terminal import drafts, fake_editor, on_terminal

AUDIT = "AUD-production-ecosystem-audit-k3f9x"
GRAFANA = "F-grafana-crashloopbackoff-7hd3x"
TODAY = dt.date.today().isoformat()


def findings(root: Path) -> set[str]:
    return {p.name for p in (root / "data" / "findings").iterdir()}


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under the knowledge base and its bytes, to prove nothing else changed."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_valid(root: Path) -> None:
    result = run_kb(root, "validate")
    assert result.exit_code == 0, result.output


# --- flags ------------------------------------------------------------------------------


def test_flags_route_writes_one_valid_file_and_prints_it(sample_kb: Path) -> None:
    before = snapshot(sample_kb)
    result = run_kb(
        sample_kb,
        "new",
        "finding",
        "--title",
        "Disk pressure on builder: 91%",
        "--severity",
        "high",
        "--component",
        "vps-builder",
        "--component",
        "containerd",
        "--commit",
        "9a96a77",
        "--tag",
        "storage",
        "--root-cause",
        "image cache never pruned",
        "--json",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["id"].startswith("F-disk-pressure-on-builder-91-")
    path = sample_kb / out["path"]
    assert path.name == f"{out['id']}.yaml"
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=../_schema/finding.json\n")
    assert "title: 'Disk pressure on builder: 91%'" in text
    record = out["record"]
    assert record["audit"] == AUDIT  # the current audit by default
    assert "found" not in record  # left out, it is the audit's start, as --found's help says
    assert record["components"] == ["vps-builder", "containerd"]
    assert record["commits"] == ["9a96a77"]
    after = snapshot(sample_kb)
    assert set(after) - set(before) == {str(path.relative_to(sample_kb))}
    assert all(after[name] == data for name, data in before.items())
    assert_valid(sample_kb)


def test_plain_output_names_the_id_and_the_file(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "new", "lesson", "--title", "Prune caches", "--rule", "Prune image caches weekly")
    assert result.exit_code == 0, result.output
    (created,) = (sample_kb / "data" / "lessons").glob("L-prune-caches-*.yaml")
    assert result.stdout.strip() == f"Created lesson {created.stem}: data/lessons/{created.name}"


@pytest.mark.parametrize(
    ("kind", "args", "expect"),
    [
        ("lesson", ["--title", "T", "--rule", "R", "--finding", GRAFANA], {"findings": [GRAFANA], "audit": AUDIT}),
        (
            "action",
            ["--title", "Prune", "--todo", "Add a cron", "--priority", "P2", "--finding", GRAFANA],
            {"source": {"audit": AUDIT, "finding": GRAFANA}, "priority": "P2", "opened": TODAY},
        ),
        (
            "action",
            ["--title", "Hand over", "--todo", "x", "--handover-title", "Next", "--handover-text", "Do y"],
            {"handover": {"title": "Next", "text": "Do y"}},
        ),
        (
            "audit",
            ["--title", "Weekly", "--trigger", "schedule", "--description", "k3s prod", "--nodes", "3"],
            {"scope": {"description": "k3s prod", "nodes": 3}, "started": TODAY},
        ),
    ],
)
def test_every_kind_by_flags(sample_kb: Path, kind: str, args: list[str], expect: dict[str, object]) -> None:
    result = run_kb(sample_kb, "new", kind, *args, "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)["record"]
    assert {key: record[key] for key in expect} == expect
    assert_valid(sample_kb)


REFUSALS = [
    (["--severity", "high"], 1, "--title is required"),
    (["--title", "x", "--audit", "AUD-nope-12345"], 1, "--audit: no audit with ID AUD-nope-12345"),
    (["--title", "x", "--audit", GRAFANA], 1, f"--audit: {GRAFANA} is a finding, not a audit"),
    (["--title", "x", "--recurrence-of", "F-gone-12345"], 1, "--recurrence-of: no finding with ID F-gone-12345"),
    (["--title", "x", "--commit", "other@9a96a77"], 1, "--commit: no repository named 'other' in kb.toml"),
    (["--title", "x", "--commit", "not-a-hash"], 1, "--commit: String should match pattern"),
    (["--title", "x", "--found", "2026-02-30"], 1, "--found: Input should be a valid date"),
    (["--title", "x", "--severity", "hgih"], 2, "'hgih' is not one of"),
]


@pytest.mark.parametrize(("args", "status", "message"), REFUSALS, ids=[r[2][:30] for r in REFUSALS])
def test_invalid_values_are_refused_and_nothing_is_written(
    sample_kb: Path, args: list[str], status: int, message: str
) -> None:
    before = snapshot(sample_kb)
    result = run_kb(sample_kb, "new", "finding", "--no-input", *args)
    assert result.exit_code == status
    assert message in result.stderr
    assert snapshot(sample_kb) == before


def test_all_problems_are_reported_in_one_run(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "new", "finding", "--found", "someday", "--commit", "zz")
    assert result.exit_code == 1
    assert "--title is required" in result.stderr
    assert "--found:" in result.stderr
    assert "--commit:" in result.stderr


def test_every_field_has_a_flag(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "new", "finding", "--help")
    flags = [form.flag for form in form_fields(Finding)]
    assert len(flags) == len(set(flags))
    assert {name.split(".")[0] for name in (f.name for f in form_fields(Finding))} == set(Finding.model_fields) - {"id"}
    for flag in flags:
        assert flag in result.stdout


# --- JSON on stdin ----------------------------------------------------------------------


def test_json_input_writes_one_valid_record(sample_kb: Path) -> None:
    before = snapshot(sample_kb)
    given = {"title": "Disk pressure on builder", "severity": "high", "components": ["vps-builder"], "id": "F-x-12345"}
    result = run_kb(sample_kb, "new", "finding", "--json", "-", input=json.dumps(given))
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["id"].startswith("F-disk-pressure-on-builder-")  # a given ID is replaced, as with flags
    assert out["record"]["audit"] == AUDIT and "found" not in out["record"]  # the defaults of `kb new`
    assert out["record"]["components"] == ["vps-builder"]
    assert set(snapshot(sample_kb)) - set(before) == {out["path"]}
    assert_valid(sample_kb)


def test_json_input_lists_every_problem_of_every_item_and_writes_nothing(sample_kb: Path) -> None:
    before = snapshot(sample_kb)
    items = [
        {"title": "Fine on its own"},
        {"severity": "hgih", "found": "someday", "colour": "red"},
        {"title": "Wrong audit", "audit": "AUD-nope-12345", "commits": ["other@9a96a77"]},
        "not a mapping",
    ]
    result = run_kb(sample_kb, "new", "finding", "--json", "-", input=json.dumps(items))
    assert result.exit_code == 1
    assert result.stdout == ""
    problems = [line for line in result.stderr.splitlines() if line.startswith("kb new finding: ")]
    assert problems == [
        "kb new finding: <stdin> item 2: title: required field is missing (E202)",
        "kb new finding: <stdin> item 2: severity: Input should be 'critical', 'high', 'medium', 'low' or 'info',"
        " got 'hgih' (E201)",
        "kb new finding: <stdin> item 2: found: Input should be a valid date or datetime, input is too short,"
        " got 'someday' (write dates as YYYY-MM-DD) (E201)",
        "kb new finding: <stdin> item 2: colour: unknown field (check the spelling; `kb schema` lists the fields)"
        " (E203)",
        "kb new finding: <stdin> item 3: audit: no audit with ID AUD-nope-12345 (E401)",
        "kb new finding: <stdin> item 3: commits.0: no repository named 'other' in kb.toml (E404)",
        "kb new finding: <stdin> item 4: a finding record is a mapping of fields (E204)",
    ]
    assert result.stderr.endswith("Nothing was saved.\n")
    assert snapshot(sample_kb) == before


def test_json_input_writes_a_list_of_three(sample_kb: Path) -> None:
    items = [
        {"title": "Grafana CrashLoopBackOff again", "components": ["grafana"]},
        {"title": "Loki retention too short", "severity": "low", "tags": ["monitoring"]},
        {"title": "Tunnel route to a deleted service", "found": "2026-01-27"},
    ]
    result = run_kb(sample_kb, "new", "finding", "--json", "-", input=json.dumps(items))
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [o["record"]["title"] for o in out] == [item["title"] for item in items]
    assert len({o["id"] for o in out}) == 3
    assert all((sample_kb / o["path"]).is_file() for o in out)
    assert out[2]["record"]["found"] == "2026-01-27"
    assert [hint["id"] for hint in out[0]["recurrence_hints"]] == [GRAFANA]
    assert out[0]["warnings"][0].startswith(f"Possible recurrence of {GRAFANA}")
    assert out[0]["warnings"][0] in result.stderr
    assert_valid(sample_kb)


def test_json_input_from_a_file(sample_kb: Path, tmp_path: Path) -> None:
    source = tmp_path / "finding.json"
    source.write_text(json.dumps({"title": "From a file", "tags": ["script"]}))
    result = run_kb(sample_kb, "new", "finding", "--json", str(source))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["record"]["tags"] == ["script"]


@pytest.mark.parametrize(
    ("args", "text", "status", "message"),
    [
        (["--json", "-"], "{not json", 1, "<stdin>: cannot read JSON"),
        (["--title", "x", "--json", "-"], "{}", 2, "--json - takes the whole record as JSON"),
    ],
)
def test_json_input_refusals(sample_kb: Path, args: list[str], text: str, status: int, message: str) -> None:
    before = snapshot(sample_kb)
    result = run_kb(sample_kb, "new", "finding", *args, input=text)
    assert result.exit_code == status
    assert message in result.stderr
    assert snapshot(sample_kb) == before


# --- prompts -----------------------------------------------------------------------------


def test_prompts_ask_for_what_flags_did_not_give(sample_kb: Path) -> None:
    answers = [
        "",  # audit: keep the default, the current audit
        "Disk pressure on builder",  # title
        "hgih",  # severity: not a choice, asked again
        "high",
        "",  # status: the default, open
        "vps-builder, containerd",  # components
        "91% disk use",  # symptom
        "",  # root cause: skipped
        "pruned the cache",  # fix
        "",  # commits
        "storage",  # tags
    ]
    result = run_kb(
        sample_kb,
        "new",
        "finding",
        "--interactive",
        "--discovery",
        "incident",
        "--json",
        input="\n".join(answers) + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "1. AUD-production-ecosystem-audit-k3f9x" in result.stderr  # the audits to pick from
    assert "is not one of" in result.stderr
    assert "discovery" not in result.stderr  # given as a flag, so not asked
    assert "status [open/mitigated/resolved/wontfix] [open]:" in result.stderr  # the model's default offered
    record = json.loads(result.stdout)["record"]
    assert record["audit"] == AUDIT
    assert record["title"] == "Disk pressure on builder"
    assert record["severity"] == "high"
    assert record["discovery"] == "incident"
    assert record["components"] == ["vps-builder", "containerd"]
    assert record["fix"] == "pruned the cache"
    assert record["status"] == "open"
    assert "root_cause" not in record
    assert_valid(sample_kb)


@pytest.mark.parametrize("answer", ["y", "n"])
def test_prompt_offers_to_link_a_recurrence(sample_kb: Path, answer: str) -> None:
    answers = ["1", "Grafana CrashLoopBackOff again", "", "", "", "grafana", "", "", "", "", "", answer]
    result = run_kb(sample_kb, "new", "finding", "--interactive", "--json", input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert f"This looks like {GRAFANA}" in result.stderr
    assert "Possible recurrence" not in result.stderr  # asked once, not repeated
    record = json.loads(result.stdout)["record"]
    assert record.get("recurrence_of") == (GRAFANA if answer == "y" else None)


def test_prompts_on_a_real_terminal(sample_kb: Path) -> None:
    """Without --interactive: kb notices stdin is a terminal (a pseudo-terminal here)."""
    answers = ["Prune caches", "Prune image caches weekly", "", "", GRAFANA, "storage, disk"]
    status, output = on_terminal(sample_kb, ["new", "lesson"], answers)
    assert status == 0, output
    assert "rule:" in output and "findings (comma-separated)" in output
    (path,) = (sample_kb / "data" / "lessons").glob("L-prune-caches-*.yaml")
    text = path.read_text()
    assert "rule: Prune image caches weekly" in text
    assert f"findings:\n- {GRAFANA}" in text
    assert "tags:\n- storage\n- disk" in text
    assert f"Created lesson {path.stem}" in output


def test_no_input_never_prompts_even_on_a_terminal(sample_kb: Path) -> None:
    status, output = on_terminal(sample_kb, ["new", "lesson", "--no-input"], ["Prune caches", "Prune weekly"])
    assert status == 1
    assert "--title is required" in output and "--rule is required" in output
    assert not list((sample_kb / "data" / "lessons").glob("L-prune-caches-*.yaml"))


# --- editor ------------------------------------------------------------------------------


def test_editor_route_saves_a_valid_edit(sample_kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_editor(
        tmp_path,
        monkeypatch,
        """
        text = text.replace("\\ntitle:\\n", "\\ntitle: Node disk full\\n")
        text = text.replace("\\nsymptom:\\n", "\\nsymptom: |\\n  pods evicted\\n  builds failing\\n")
        path.write_text(text)
        """,
    )
    result = run_kb(sample_kb, "new", "finding", "--edit", "--severity", "high")
    assert result.exit_code == 0, result.output
    seen = (tmp_path / "fake_editor.seen1").read_text()
    assert "# Short name of the problem. Required." in seen  # field descriptions as comments
    assert f"audit: {AUDIT}" in seen  # defaults and flags filled in
    assert "severity: high" in seen
    (path,) = (sample_kb / "data" / "findings").glob("F-node-disk-full-*.yaml")
    assert "symptom: |\n  pods evicted\n  builds failing\n" in path.read_text()
    assert drafts(sample_kb) == []  # the draft is gone once saved
    assert_valid(sample_kb)


def test_invalid_edit_reopens_with_the_errors_on_top(
    sample_kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_editor(
        tmp_path,
        monkeypatch,
        """
        if run == 1:
            text = text.replace("\\ntitle:\\n", "\\ntitle: Node disk full\\n")
            text = text.replace("\\nseverity:\\n", "\\nseverity: hgih\\n")
            text = text.replace(f"\\naudit: AUD-production-ecosystem-audit-k3f9x\\n", "\\naudit: AUD-typo-12345\\n")
        else:
            text = text.replace("severity: hgih", "severity: high")
            text = text.replace("AUD-typo-12345", "AUD-production-ecosystem-audit-k3f9x")
        path.write_text(text)
        """,
    )
    status, output = on_terminal(sample_kb, ["new", "finding", "--edit"], [])  # reopened for the person there
    assert status == 0, output
    second = (tmp_path / "fake_editor.seen2").read_text()
    head = second.splitlines()
    assert head[0].startswith("#! kb: not saved yet")
    lines = second.splitlines()
    severity_line = next(i for i, line in enumerate(lines, 1) if line.startswith("severity: hgih"))
    assert any(f"line {severity_line}: severity:" in line for line in head[:4])
    assert "Node disk full" in second  # the text typed the first time is all there
    (path,) = (sample_kb / "data" / "findings").glob("F-node-disk-full-*.yaml")
    assert "severity: high" in path.read_text()
    assert "#!" not in path.read_text()


def test_emptied_file_gives_up_and_keeps_the_text(
    sample_kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_editor(
        tmp_path,
        monkeypatch,
        """
        if run == 1:
            text = text.replace("\\ntitle:\\n", "\\ntitle: Precious words\\n")
            path.write_text(text.replace("severity:", "severity: bad"))
        else:
            path.write_text("")
        """,
    )
    before = findings(sample_kb)
    result = run_kb(sample_kb, "new", "finding", "--edit", "--interactive")  # reopened, as on a terminal
    assert result.exit_code == 1
    assert "nothing was saved" in result.stderr
    (draft,) = drafts(sample_kb)
    assert str(draft) in result.stderr
    assert "title: Precious words" in draft.read_text()
    assert findings(sample_kb) == before

    # The recovery file resumes where the user left off.
    fake_editor(tmp_path, monkeypatch, 'path.write_text(text.replace("severity: bad", "severity: low"))')
    (tmp_path / "fake_editor.count").unlink()
    resumed = run_kb(sample_kb, "new", "finding", "--from", str(draft))
    assert resumed.exit_code == 0, resumed.output
    assert len(findings(sample_kb) - before) == 1


def test_failing_editor_keeps_what_was_written(
    sample_kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_editor(tmp_path, monkeypatch, 'path.write_text(text + "\\n# half-typed thought\\n")\nsys.exit(3)')
    result = run_kb(sample_kb, "new", "action", "--edit", "--title", "Keep me")
    assert result.exit_code == 1
    assert "editor exited with status 3" in result.stderr
    (draft,) = drafts(sample_kb)
    assert "half-typed thought" in draft.read_text()
    assert "title: Keep me" in draft.read_text()


# --- identity and concurrency ------------------------------------------------------------


def test_concurrent_runs_make_distinct_records(sample_kb: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "kb", "--root", str(sample_kb), "new", "finding", "--no-input"]
    procs = [
        subprocess.Popen([*args, "--title", "Same title", "--json"], env=env, stdout=subprocess.PIPE) for _ in range(8)
    ]
    ids = [json.loads(proc.communicate(timeout=60)[0])["id"] for proc in procs]
    assert all(proc.returncode == 0 for proc in procs)
    assert len(set(ids)) == 8
    assert {f"{i}.yaml" for i in ids} <= findings(sample_kb)
    assert_valid(sample_kb)


def test_an_id_clash_mints_another_id_and_keeps_the_old_file(sample_kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = sample_kb / "data" / "findings" / "F-clash-aaaaa.yaml"
    taken.write_text("# someone else's file\n")
    minted = iter(["F-clash-aaaaa", "F-clash-aaaaa", "F-clash-bbbbb"])
    monkeypatch.setattr(create_module, "new_id", lambda prefix, title: next(minted))
    catalog = Catalog(discover(sample_kb))
    created = create("finding", {"title": "clash", "audit": AUDIT}, catalog)
    assert created.record.id == "F-clash-bbbbb"
    assert taken.read_text() == "# someone else's file\n"


# --- recurrence --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "hinted"),
    [
        (["--title", "Grafana in CrashLoopBackOff", "--component", "Grafana"], GRAFANA),
        (["--title", "Dashboards empty", "--tag", "pvc", "--root-cause", "PVC mount missing again"], GRAFANA),
        (["--title", "Grafana in CrashLoopBackOff", "--component", "loki"], None),
        (["--title", "Dashboards empty", "--tag", "pvc", "--root-cause", "DNS timeout"], None),
    ],
)
def test_recurrence_hint(sample_kb: Path, args: list[str], hinted: str | None) -> None:
    result = run_kb(sample_kb, "new", "finding", *args)
    assert result.exit_code == 0, result.output
    if hinted:
        assert f"Possible recurrence of {hinted} ('Grafana CrashLoopBackOff')" in result.stderr
        assert f"--recurrence-of {hinted}" in result.stderr
    else:
        assert "Possible recurrence" not in result.stderr


def test_no_hint_when_the_link_is_already_made(sample_kb: Path) -> None:
    args = ["--title", "Grafana CrashLoopBackOff", "--component", "grafana", "--recurrence-of", GRAFANA]
    result = run_kb(sample_kb, "new", "finding", *args)
    assert result.exit_code == 0
    assert "Possible recurrence" not in result.stderr


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ("Grafana CrashLoopBackOff", "grafana crashloopbackoff", 1.0, 1.0),
        ("Grafana CrashLoopBackOff", "CrashLoopBackOff of Grafana", 1.0, 1.0),
        ("Kyverno CronJob deadlock", "Kyverno cronjob deadlocked", 0.6, 1.0),
        ("Grafana CrashLoopBackOff", "Disk pressure on builder", 0.0, 0.4),
        ("", "anything", 0.0, 0.0),
    ],
)
def test_token_similarity(a: str, b: str, low: float, high: float) -> None:
    assert low <= token_similarity(a, b) <= high


# --- start-up ----------------------------------------------------------------------------


def test_help_lists_the_verbs_without_importing_pydantic() -> None:
    code = (
        "import sys; from kb.cli.group import main; main(['--help'], standalone_mode=False); print(sorted(sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    for verb in ("new", "show", "list", "close", "reopen"):
        assert f"  {verb} " in result.stdout
    assert "'pydantic'" not in result.stdout
    assert "'yaml'" not in result.stdout


def test_new_files_are_readable_by_the_team(sample_kb: Path) -> None:
    """Not mkstemp's private 0600: a new record gets the mode the umask gives any new file."""
    result = run_kb(sample_kb, "new", "finding", "--title", "Mode check", "--json")
    path = sample_kb / json.loads(result.stdout)["path"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


# --- adopting kb: the first week's paper cuts -----------------------------------------------------


def test_found_defaults_to_the_audits_start_as_its_help_says(sample_kb: Path) -> None:
    help_text = " ".join(run_kb(sample_kb, "new", "finding", "--help").output.split())
    assert "--found DATE When it was found; defaults to the audit's start." in help_text
    assert "Default: today" not in help_text.split("--found", 1)[1].split("--", 1)[0]
    result = run_kb(sample_kb, "new", "finding", "--title", "Disk pressure", "--json")
    assert result.exit_code == 0, result.output
    assert "found:" not in (sample_kb / json.loads(result.stdout)["path"]).read_text()
    shown = json.loads(run_kb(sample_kb, "pickup", "--format", "json").stdout)["items"]
    assert next(item for item in shown if item["headline"] == "Disk pressure")["opened"] == "2026-01-25"


def test_audit_and_finding_take_the_prefixes_show_and_close_take(sample_kb: Path) -> None:
    args = ["--title", "Rotate", "--todo", "Rotate it", "--audit", "AUD-production", "--finding", "F-grafana", "--json"]
    result = run_kb(sample_kb, "new", "action", *args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["record"]["source"] == {"audit": AUDIT, "finding": GRAFANA}
    lesson = run_kb(sample_kb, "new", "lesson", "--title", "Pin", "--rule", "Pin", "--finding", "F-kyverno", "--json")
    assert lesson.exit_code == 1
    assert "--finding: F-kyverno starts 2 finding IDs (F-kyverno-cronjob-deadlock-8fs4k, F-kyverno-policy" in (
        lesson.stderr
    )
    assert "give more of the one you mean" in lesson.stderr


def test_without_any_audit_kb_says_how_to_start_one(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    assert run_kb(tmp_path, "init", str(root)).exit_code == 0
    result = run_kb(root, "new", "finding", "--title", "First one", "--no-input")
    assert result.exit_code == 1
    assert "kb new finding: --audit: there is no audit yet: start one with `kb new audit`" in result.stderr
    piped = run_kb(root, "new", "finding", "--json", "-", input='{"title": "First one"}')
    assert "audit: there is no audit yet: start one with `kb new audit`" in piped.stderr
