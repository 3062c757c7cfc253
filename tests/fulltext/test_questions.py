"""Search closer to how people ask: questions in the askers' words (tests/cases/search_questions.yaml),
each finding its record among the first three, on the sample and on a generated 1,000-record
knowledge base that holds the sample; synonyms, kb.toml's own, and typing slips."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from kb.fulltext import typos
from kb.fulltext.ranking import search
from kb.fulltext.synonyms import Term, synonyms
from kb.store.config import discover
from tests.conftest import SAMPLE, run_kb

CASES = yaml.safe_load((Path(__file__).parent.parent / "cases" / "search_questions.yaml").read_text())
BENCH = Path(__file__).parent.parent.parent / "bench"
TOP = 3


def ranks(root: Path) -> dict[str, int | None]:
    """Each question's expected record's place in the results (None: not in the first ten)."""
    config = discover(root)
    found = {}
    for case in CASES:
        hits = [hit.id for hit in search(config.cache, config.records, case["question"], limit=10).hits]
        found[case["question"]] = hits.index(case["expect"]) + 1 if case["expect"] in hits else None
    return found


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 1,000 records from bench/gen_kb.py, the sample's among them."""
    sys.path.insert(0, str(BENCH))
    try:
        from gen_kb import generate, records_for
    finally:
        sys.path.remove(str(BENCH))
    sample = sum(1 for _ in SAMPLE.glob("*/*.yaml")) - sum(1 for _ in SAMPLE.glob("_schema/*"))
    return generate(tmp_path_factory.mktemp("generated"), records_for(1000 - sample), sample=True)


def test_there_are_enough_questions_in_the_askers_words() -> None:
    assert len(CASES) >= 20
    assert all(case["question"] and case["expect"] and case["why"] for case in CASES)


def test_every_question_finds_its_record_in_the_top_three_of_the_sample(sample_kb: Path) -> None:
    found = ranks(sample_kb)
    assert {q: rank for q, rank in found.items() if rank is None or rank > TOP} == {}


def test_every_question_finds_its_record_in_the_top_three_of_a_thousand(generated: Path) -> None:
    records = sum(1 for _ in (generated / "records").glob("*/*.yaml"))
    assert 950 <= records <= 1050
    found = ranks(generated)
    assert {q: rank for q, rank in found.items() if rank is None or rank > TOP} == {}


def test_a_synonym_finds_the_record_that_uses_the_other_word(sample_kb: Path) -> None:
    config = discover(sample_kb)
    hits = [h.id for h in search(config.cache, config.records, "worker", limit=3).hits]
    assert "F-vps-builder-node-cni-broken-9tb5e" in hits  # it says node, not worker


def test_kb_toml_adds_groups_of_its_own(sample_kb: Path) -> None:
    assert run_kb(sample_kb, "search", "sidekick", "--json").exit_code == 1
    (sample_kb / "kb.toml").write_text('records = "data"\n[search]\nsynonyms = ["sidekick, sentinel"]\n')
    result = run_kb(sample_kb, "search", "sidekick", "--json")
    assert result.exit_code == 0, result.output
    assert '"id": "ACT-sentinel-namespace-empty-7bg2x"' in result.stdout


def test_a_typing_slip_is_searched_as_the_word_meant_and_said(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "search", "kyvrno", "deadlok", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert "F-kyverno-cronjob-deadlock-8fs4k" in result.stdout
    assert "No record has 'kyvrno': searched for kyverno instead." in result.stderr
    assert "No record has 'deadlok': searched for deadlock instead." in result.stderr
    short = run_kb(sample_kb, "search", "helo")  # under five letters: no guessing
    assert short.exit_code == 1 and "searched for" not in short.stderr


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("kyverno", "kyvrno", 1), ("schema", "shcema", 1), ("grafana", "grafanna", 1), ("probe", "probe", 0),
     ("cloudflar", "cloudfalr", 1), ("deadlock", "dedlcok", 2), ("abcdef", "uvwxyz", 3)],
)  # fmt: skip
def test_the_distance_counts_slips(a: str, b: str, expected: int) -> None:
    assert typos.distance(a, b, 2) == min(expected, 3)


def test_terms_match_a_querys_words_and_runs() -> None:
    table = synonyms()
    expanded = table.expand(["the", "pod", "keeps", "restarting"])
    assert Term(("crashloopbackoff",)) in expanded and Term(("crash",), True) in expanded
    phrase = table.expand(["server", "side", "apply", "drift"])
    assert Term(("ssa",)) in phrase and Term(("out", "of", "sync")) in phrase
    assert table.expand(["node"], skip={"node"}) == []


def test_the_shipped_table_parses_to_groups_of_two_or_more() -> None:
    groups = synonyms().groups
    assert len(groups) >= 30 and all(len(group) >= 2 for group in groups)
    words = [w for group in groups for term in group for w in term.words]
    assert {"node", "worker", "api", "apiserver", "crashloop", "disk", "storage", "pvc"} <= set(words)
