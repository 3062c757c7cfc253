"""`kb search` against a real SQLite FTS5 index built from a copy of the sample knowledge base."""

from __future__ import annotations

import json
import marshal
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kb.fulltext.index import index_path
from kb.fulltext.ranking import Filters, SearchResult, search
from kb.fulltext.searchdoc import SEVERITIES, STATUSES
from kb.records.models import KINDS, ActionStatus, FindingStatus, Severity
from kb.store.config import discover
from kb.store.layout import FOLDERS
from tests.conftest import edit_keeping_mtime, run_kb

CNI_FINDING = "F-vps-builder-node-cni-broken-9tb5e"
K3S_LESSON = "L-k3s-version-matching-2hx7c"
HOOK_LESSON = "L-helm-hook-deadlocks-3vm9f"
NESTJS_LESSON = "L-nestjs-startup-timing-9ce4r"
AUDIT = "AUD-production-ecosystem-audit-k3f9x"


NO_FILTERS = Filters()
KB = [sys.executable, "-m", "kb"]
"""The `kb` command as its own process: kb/__main__.py, where the console script starts too."""


def find(root: Path, query: str, filters: Filters = NO_FILTERS, limit: int = 10) -> SearchResult:
    config = discover(root)
    return search(config.cache, config.records, query, filters, limit)


def ids(result: SearchResult) -> list[str]:
    return [hit.id for hit in result.hits]


def write(root: Path, folder: str, name: str, text: str) -> Path:
    path = root / "data" / folder / name
    path.write_text(text, encoding="utf-8")
    return path


def lesson(record_id: str, title: str, rule: str, confirmed: int = 0) -> str:
    text = f"id: {record_id}\ntitle: {title}\nrule: {rule}\n"
    if confirmed:
        text += "confirmed:\n" + "".join(f"- audit: AUD-later-audit-{i}xxxx\n" for i in range(confirmed))
    return text


def finding(record_id: str, title: str, symptom: str, **fields: str) -> str:
    extra = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return f"id: {record_id}\naudit: {AUDIT}\ntitle: {title}\nsymptom: {symptom}\n{extra}"


# --- the search path's own copies of model facts -----------------------------------------


def test_search_constants_match_the_models() -> None:
    """Search reads files without the models, so its folder, severity and status lists must agree with them."""
    assert {kind: model.folder for kind, model in KINDS.items()} == FOLDERS
    assert set(SEVERITIES) == {s.value for s in Severity}
    assert set(STATUSES) == {s.value for s in FindingStatus} | {s.value for s in ActionStatus}


# --- ranking -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hooks", HOOK_LESSON),
        ("hook", HOOK_LESSON),
        ("probe", NESTJS_LESSON),
        ("probes", NESTJS_LESSON),
        ("probing", NESTJS_LESSON),
        ("deadlocking", HOOK_LESSON),
    ],
)
def test_words_match_their_other_forms(sample_kb: Path, query: str, expected: str) -> None:
    assert ids(find(sample_kb, query))[0] == expected


def test_a_lesson_outranks_a_finding_that_matches_equally(sample_kb: Path) -> None:
    write(sample_kb, "findings", "F-quagga-zebra-1aaaa.yaml", finding("F-quagga-zebra-1aaaa", "Quagga zebra", "okapi"))
    write(sample_kb, "lessons", "L-quagga-zebra-2bbbb.yaml", lesson("L-quagga-zebra-2bbbb", "Quagga zebra", "okapi"))
    assert ids(find(sample_kb, "quagga okapi")) == ["L-quagga-zebra-2bbbb", "F-quagga-zebra-1aaaa"]


def test_a_lesson_confirmed_by_several_audits_ranks_above_one_seen_once(sample_kb: Path) -> None:
    write(sample_kb, "lessons", "L-okapi-once-1aaaa.yaml", lesson("L-okapi-once-1aaaa", "Okapi rule", "quagga"))
    write(sample_kb, "lessons", "L-okapi-thrice-2bbbb.yaml", lesson("L-okapi-thrice-2bbbb", "Okapi rule", "quagga", 2))
    assert ids(find(sample_kb, "okapi quagga")) == ["L-okapi-thrice-2bbbb", "L-okapi-once-1aaaa"]


def test_a_symptom_in_other_words_finds_the_finding_and_its_lesson(sample_kb: Path) -> None:
    """The CNI finding shares only 'node' with the question; its lesson shares nothing but is linked."""
    top = ids(find(sample_kb, "pods on the new node can't reach the API", limit=3))
    assert top[:2] == [CNI_FINDING, K3S_LESSON]


def test_rarer_shared_words_rank_higher(sample_kb: Path) -> None:
    """'cni' is in 2 records, 'version' in more: the CNI records come first for both together."""
    assert set(ids(find(sample_kb, "version cni", limit=2))) == {CNI_FINDING, K3S_LESSON}


def test_words_in_most_records_are_dropped(sample_kb: Path) -> None:
    for i in range(30):
        write(sample_kb, "findings", f"F-common-{i}-{i:05d}.yaml", finding(f"F-common-{i}-{i:05d}", "Cluster", "x"))
    result = find(sample_kb, "cluster kyverno")
    assert "cluster" in result.parsed.dropped
    assert not any(hit.id.startswith("F-common") for hit in result.hits)
    assert find(sample_kb, "cluster").hits, "a query of common words only still searches them"


# --- exact IDs, hashes, phrases ------------------------------------------------------------


def test_a_record_id_finds_the_record_then_those_citing_it(sample_kb: Path) -> None:
    result = find(sample_kb, CNI_FINDING)
    assert ids(result) == [CNI_FINDING, K3S_LESSON]
    assert result.parsed.words == [], "the ID's slug words are not searched as text"


def test_an_id_prefix_finds_the_record(sample_kb: Path) -> None:
    assert ids(find(sample_kb, "L-k3s"))[0] == K3S_LESSON


def test_a_commit_hash_finds_the_commit_then_the_records_citing_it(sample_kb: Path) -> None:
    found = ids(find(sample_kb, "33b71ca"))
    assert found[0] == "33b71ca"
    assert "F-kyverno-cronjob-deadlock-8fs4k" in found[1:3]
    assert AUDIT in found


def test_abbreviated_and_full_hashes_find_each_other(sample_kb: Path) -> None:
    full = "1391e1a" + "0" * 33
    (sample_kb / "data" / "commits" / "1391e1a.yaml").write_text(f"hash: '{full}'\nsubject: add privileged false\n")
    assert ids(find(sample_kb, "1391e1a"))[0] == full
    assert "F-cloudflared-blocked-by-kyverno-1rp9d" in ids(find(sample_kb, full))


def test_a_word_shaped_like_an_id_that_names_nothing_is_searched_as_words(sample_kb: Path) -> None:
    assert ids(find(sample_kb, "CNI-broken"))[0] == CNI_FINDING


def test_a_quoted_phrase_matches_only_as_a_phrase(sample_kb: Path) -> None:
    assert ids(find(sample_kb, '"sync can deadlock"')) == [HOOK_LESSON]
    assert ids(find(sample_kb, '"deadlock can sync"')) == []


@pytest.mark.parametrize(
    "query", ['"unbalanced', "AND OR NOT", "NEAR(a b)", "*", "^title", "title:kyverno", '""', "'", "-", "F-", "a\\b"]
)
def test_fts_syntax_in_a_query_is_taken_as_text(sample_kb: Path, query: str) -> None:
    result = find(sample_kb, query)
    assert result.hits or result.suggestions


def test_concurrent_first_searches_share_one_index(sample_kb: Path) -> None:
    code = (
        f"import sys; from kb.cli.group import main\nmain(['--root', {str(sample_kb)!r}, 'search', 'cni', '--json'])\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [proc.communicate()[0] for proc in procs]
    assert all(proc.returncode == 0 for proc in procs)
    assert all([hit["id"] for hit in json.loads(out)] == [K3S_LESSON, CNI_FINDING] for out in outputs)


def test_snippets_highlight_the_matching_words(sample_kb: Path) -> None:
    hit = find(sample_kb, "CNI").hits[0]
    assert "\x02CNI\x03" in hit.snippet


# --- filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        (Filters(kinds=("lesson",)), lambda hit: hit.kind == "lesson"),
        (Filters(kinds=("commit", "action")), lambda hit: hit.kind in ("commit", "action")),
        (Filters(tags=("helm",)), lambda hit: "helm" in hit.tags),
        (Filters(tags=("helm", "hooks")), lambda hit: {"helm", "hooks"} <= set(hit.tags)),
        (Filters(severities=("critical",)), lambda hit: hit.severity == "critical"),
        (Filters(statuses=("open",)), lambda hit: hit.status == "open"),
    ],
    ids=["kind", "kinds", "tag", "tags", "severity", "status"],
)
def test_filters_keep_only_matching_records(sample_kb: Path, filters: Filters, check: object) -> None:
    unfiltered = find(sample_kb, "kyverno hooks image dhanam api", limit=50).hits
    filtered = find(sample_kb, "kyverno hooks image dhanam api", filters, limit=50).hits
    assert filtered, "the filter keeps something"
    assert len(filtered) < len(unfiltered)
    assert all(check(hit) for hit in filtered)  # type: ignore[operator]


def test_since_uses_the_record_date_or_its_audits(sample_kb: Path) -> None:
    text = finding("F-later-crash-1aaaa", "Later crash", "dhanam api again", found="2026-03-02")
    write(sample_kb, "findings", "F-later-crash-1aaaa.yaml", text)
    assert ids(find(sample_kb, "dhanam", Filters(since="2026-03-01"))) == ["F-later-crash-1aaaa"]
    later = find(sample_kb, "dhanam", Filters(since="2026-01-26"))
    assert "F-dhanam-api-crashlooping-4kq2m" in ids(later), "dated by its audit's last day"


def test_limit_caps_the_results(sample_kb: Path) -> None:
    assert len(find(sample_kb, "kyverno", limit=3).hits) == 3


# --- keeping the index up to date ----------------------------------------------------------


def test_only_changed_files_are_reindexed(sample_kb: Path) -> None:
    first = find(sample_kb, "hooks")
    assert first.stats.rebuilt and len(first.stats.indexed) == 40
    second = find(sample_kb, "hooks")
    assert not second.stats.rebuilt and second.stats.indexed == [] and second.stats.unchanged == 40

    path = sample_kb / "data" / "lessons" / f"{HOOK_LESSON}.yaml"
    path.write_text(path.read_text().replace("Disable hooks via values.", "Pin the wombat chart."))
    edited = find(sample_kb, "wombat")
    assert edited.stats.indexed == [f"lessons/{HOOK_LESSON}.yaml"]
    assert ids(edited) == [HOOK_LESSON]


def test_a_same_size_edit_is_found_at_once(sample_kb: Path) -> None:
    """A file written just before the index saw it is re-hashed next time (racy-clean check),
    so an edit of the same size in the same clock tick (same mtime) is still seen."""
    path = sample_kb / "data" / "lessons" / f"{K3S_LESSON}.yaml"
    path.write_text(path.read_text())
    find(sample_kb, "cni")
    original = path.stat()
    path.write_text(path.read_text().replace("CNI failures", "XYZ failures"))
    os.utime(path, ns=(original.st_atime_ns, original.st_mtime_ns))  # the very same mtime
    assert path.stat().st_size == original.st_size
    result = find(sample_kb, "xyz")
    assert ids(result) == [K3S_LESSON]
    assert result.stats.indexed == [f"lessons/{K3S_LESSON}.yaml"]


def test_a_same_size_edit_with_its_mtime_put_back_is_found(sample_kb: Path) -> None:
    find(sample_kb, "cni")
    edit_keeping_mtime(sample_kb / "data" / "lessons" / f"{K3S_LESSON}.yaml", "CNI failures", "XYZ failures")
    result = find(sample_kb, "xyz")
    assert ids(result) == [K3S_LESSON] and result.stats.indexed == [f"lessons/{K3S_LESSON}.yaml"]


def test_new_code_or_libraries_rebuild_the_index(sample_kb: Path, change_the_key: Callable[[], None]) -> None:
    find(sample_kb, "cni")
    conn = sqlite3.connect(index_path(discover(sample_kb).cache))
    with conn:  # planted: found only while this index is what is searched
        conn.execute(
            "UPDATE fts SET title = 'planted wombat' WHERE rowid = (SELECT rowid FROM docs WHERE id = ?)", (K3S_LESSON,)
        )
    conn.close()
    assert ids(find(sample_kb, "wombat")) == [K3S_LESSON]
    change_the_key()
    result = find(sample_kb, "wombat")
    assert result.stats.rebuilt and ids(result) == []


def test_an_unchanged_file_with_a_new_mtime_is_not_reparsed(sample_kb: Path) -> None:
    find(sample_kb, "cni")
    path = sample_kb / "data" / "lessons" / f"{K3S_LESSON}.yaml"
    os.utime(path, ns=(0, 10**18))
    result = find(sample_kb, "cni")
    assert result.stats.indexed == [] and result.stats.touched >= 1


def test_a_deleted_record_leaves_the_index(sample_kb: Path) -> None:
    find(sample_kb, "cni")
    (sample_kb / "data" / "lessons" / f"{K3S_LESSON}.yaml").unlink()
    result = find(sample_kb, "cni")
    assert result.stats.removed == [f"lessons/{K3S_LESSON}.yaml"] and result.stats.indexed == []
    assert ids(result) == [CNI_FINDING]


@pytest.mark.parametrize("stored", [b"", b"not marshal", marshal.dumps({"lessons/x.yaml": ("lesson", 1, 2)})])
def test_an_edit_is_found_when_the_stored_manifest_is_unusable(sample_kb: Path, stored: bytes) -> None:
    """Without a stored listing to compare with (none, damaged, or the older format), every row is
    compared with its file: the edit is still found, and nothing else is re-read."""
    find(sample_kb, "cni")
    conn = sqlite3.connect(index_path(discover(sample_kb).cache))
    with conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'manifest'", (stored,))
    conn.close()
    path = sample_kb / "data" / "lessons" / f"{HOOK_LESSON}.yaml"
    path.write_text(path.read_text().replace("Disable hooks via values.", "Pin the quokka chart."))
    result = find(sample_kb, "quokka")
    assert ids(result) == [HOOK_LESSON]
    assert result.stats.indexed == [f"lessons/{HOOK_LESSON}.yaml"] and result.stats.unchanged == 39


def test_a_missing_index_is_rebuilt(sample_kb: Path) -> None:
    before = ids(find(sample_kb, "kyverno"))
    index_path(discover(sample_kb).cache).unlink()
    result = find(sample_kb, "kyverno")
    assert result.stats.rebuilt and ids(result) == before


def test_a_corrupt_index_is_rebuilt(sample_kb: Path) -> None:
    before = ids(find(sample_kb, "kyverno"))
    index_path(discover(sample_kb).cache).write_bytes(b"this is not an SQLite database\n" * 200)
    result = find(sample_kb, "kyverno")
    assert result.stats.rebuilt and ids(result) == before


def test_an_unreadable_record_is_reported_and_the_rest_searched(sample_kb: Path) -> None:
    write(sample_kb, "lessons", "L-broken-1aaaa.yaml", "id: [unclosed\n")
    result = run_kb(sample_kb, "search", "cni")
    assert result.exit_code == 0
    assert "lessons/L-broken-1aaaa.yaml" in result.stderr
    assert K3S_LESSON in result.stdout


# --- the command line ----------------------------------------------------------------------


def test_json_is_an_array_best_first(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "search", "hooks", "--json")
    hits = json.loads(result.stdout)
    assert result.exit_code == 0 and hits[0]["id"] == HOOK_LESSON
    assert {"id", "kind", "title", "score", "snippet", "date", "path"} <= set(hits[0])
    assert [hit["score"] for hit in hits] == sorted((hit["score"] for hit in hits), reverse=True)
    assert hits[0]["path"] == f"data/lessons/{HOOK_LESSON}.yaml"


def test_text_output_shows_id_kind_title_date_and_snippet(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "search", "cni", "--kind", "finding")
    assert result.exit_code == 0
    assert f"{CNI_FINDING}  finding · critical · resolved · 2026-01-26" in result.stdout
    assert "VPS builder node CNI broken" in result.stdout


def test_an_empty_result_says_so_and_suggests_a_broader_query(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "search", "wombat", "--kind", "lesson")
    assert result.exit_code == 1
    assert "No records match 'wombat'." in result.stderr
    assert "drop the filters" in result.stderr and "fewer or other words" in result.stderr
    assert run_kb(sample_kb, "search", "wombat", "--json").stdout.strip() == "[]"


def test_a_cache_folder_that_cannot_be_written_is_searched_in_memory(sample_kb: Path) -> None:
    (sample_kb / "kb.toml").write_text('records = "data"\ncache = "blocker"\n')
    (sample_kb / "blocker").write_text("a file where the cache folder should be")
    result = run_kb(sample_kb, "search", "cni")
    assert result.exit_code == 0 and CNI_FINDING in result.stdout
    assert "the search index in blocker cannot be written (Not a directory): searched in memory" in result.stderr


def test_bad_filter_values_are_usage_errors(sample_kb: Path) -> None:
    assert run_kb(sample_kb, "search", "x", "--severity", "bad").exit_code == 2
    assert run_kb(sample_kb, "search", "x", "--since", "yesterday").exit_code == 2
    assert run_kb(sample_kb, "search", "x", "--limit", "0").exit_code == 2


def kb_process(root: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`kb ARGS` as its own process, started the way the `kb` command starts (kb.__main__)."""
    env = {**os.environ, "KB_ROOT": str(root)} if cwd is None else dict(os.environ)
    return subprocess.run([*KB, *args], capture_output=True, text=True, env=env, cwd=cwd)


def test_a_search_starts_on_the_standard_library_alone(sample_kb: Path) -> None:
    """click, pydantic, GitPython, Jinja2 and dataclasses cost start-up time a search cannot spare;
    PyYAML is loaded only when a record changed since the last search."""
    code = (
        "import sys\n"
        "from kb.__main__ import main\n"
        "sys.argv = ['kb', 'search', 'cni']\n"
        "try: main()\n"
        "except SystemExit: pass\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "KB_ROOT": str(sample_kb)}
    first, later = (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
        for _ in range(2)
    )
    modules = set(later.splitlines()[-1].split())
    assert CNI_FINDING in first and CNI_FINDING in later, "both searches ran"
    assert "kb.fulltext.ranking" in modules
    heavy = {"click", "pydantic", "git", "jinja2", "kb.records.models", "kb.store.loader", "yaml", "dataclasses"}
    assert not heavy & modules


def test_the_kb_command_and_the_click_group_give_the_same_answer(sample_kb: Path) -> None:
    direct = kb_process(sample_kb, "search", "cni", "--json")
    grouped = run_kb(sample_kb, "search", "cni", "--json")
    assert direct.returncode == grouped.exit_code == 0
    assert json.loads(direct.stdout) == json.loads(grouped.stdout)


def test_options_may_come_between_the_words(sample_kb: Path) -> None:
    result = kb_process(sample_kb, "search", "builder", "--kind", "finding", "node", "cni", "--limit", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{CNI_FINDING}  finding")


def test_search_finds_the_knowledge_base_upward_from_the_current_folder(sample_kb: Path) -> None:
    result = kb_process(sample_kb, "search", "cni", "--json", cwd=sample_kb / "data" / "lessons")
    assert result.returncode == 0, result.stderr
    assert [hit["id"] for hit in json.loads(result.stdout)][:2] == [K3S_LESSON, CNI_FINDING]


def test_a_reader_that_stops_early_gets_no_traceback(sample_kb: Path) -> None:
    env = {**os.environ, "KB_ROOT": str(sample_kb)}
    proc = subprocess.Popen([*KB, "search", "node"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before kb has started: its first write finds no reader (`kb search node | head -0`)
    stderr = proc.stderr.read().decode()
    assert proc.wait() == 1
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr


def test_search_help_teaches_with_examples(sample_kb: Path) -> None:
    result = kb_process(sample_kb, "search", "--help")
    assert result.returncode == 0
    assert "usage: kb search" in result.stdout and "kb search 33b71ca --json" in result.stdout
    assert "--severity {critical,high,medium,low,info}" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("x", "--severity", "bad"), "invalid choice: 'bad'"),
        (("x", "--since", "yesterday"), "'yesterday' is not a date in the form YYYY-MM-DD"),
        (("x", "--limit", "0"), "'0' is not a whole number of at least 1"),
        ((), "the following arguments are required: QUERY"),
    ],
)
def test_bad_arguments_are_usage_errors_that_say_why(sample_kb: Path, args: tuple[str, ...], message: str) -> None:
    result = kb_process(sample_kb, "search", *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_a_folder_without_a_knowledge_base_is_a_usage_error(tmp_path: Path) -> None:
    result = kb_process(tmp_path, "search", "cni", cwd=tmp_path)
    assert result.returncode == 2
    assert "no kb.toml in" in result.stderr
