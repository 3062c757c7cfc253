"""The site's search ranks the same records first as `kb search` for the same words: the built
site's own search (Material's Lunr worker, its index as kb writes it) run in a real browser on
the questions of tests/cases/search_questions.yaml."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kb.fulltext.ranking import COLUMN_WEIGHTS, STOPWORDS, search
from kb.store.config import discover
from tests.conftest import ROOT, run_kb
from tests.publish.conftest import serve_folder

CASES = yaml.safe_load((ROOT / "tests" / "cases" / "search_questions.yaml").read_text())
SAME_FIRST = 0.7
"""The share of questions whose first result must be the same record on the site and in `kb search`
(the site has no synonyms of the query's own nor typo tolerance, and Lunr's BM25 is not FTS5's)."""
MESSAGES = {"setup": 0, "ready": 1, "query": 2, "result": 3}
"""The message types of Material's search worker (integrations/search/worker/message)."""
RUN_QUERIES = """
const [worker, index, questions, type, done] = arguments;
const search = new Worker(worker);
const answers = [];
let asked = 0;
search.onmessage = ({data}) => {
  if (data.type === type.ready || data.type === type.result) {
    if (data.type === type.result)
      answers.push(data.data.items.map(group => group[0].location));
    if (asked < questions.length) search.postMessage({type: type.query, data: questions[asked++]});
    else done(answers);
  }
};
fetch(index).then(r => r.json()).then(data => search.postMessage({type: type.setup, data: {...data, options: {}}}));
"""
"""Set the worker up with the site's index as the theme does, then ask it each question in turn."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site-search") / "kb"
    (root / "data").mkdir(parents=True)
    for folder in (ROOT / "data").iterdir():
        if folder.is_dir():
            (root / "data" / folder.name).mkdir()
            for path in folder.glob("*"):
                (root / "data" / folder.name / path.name).write_bytes(path.read_bytes())
    (root / "kb.toml").write_text('records = "data"\n')
    assert run_kb(root, "site").exit_code == 0
    return root


@pytest.fixture
def served(site: Path) -> Iterator[str]:
    with serve_folder(site / "site") as url:
        yield url


def words(question: str) -> str:
    """The words of a question that `kb search` searches by: its stopwords left out, since the
    site's search takes every word as the start of words (`a` is a*, matching apply and argocd)."""
    return " ".join(w for w in question.split() if w.strip(",.?'").lower() not in STOPWORDS)


def record_of(location: str) -> str:
    """The record ID a result's page is of (`findings/F-x.html` is F-x)."""
    return location.rsplit("/", 1)[-1].removesuffix(".html").split("#")[0]


def test_mkdocs_weighs_the_fields_as_kb_search_weighs_its_columns(site: Path) -> None:
    fields = json.loads((site / "site" / "search" / "search_index.json").read_text())["config"]["fields"]
    assert tuple(fields[name]["boost"] for name in ("title", "text", "tags")) == COLUMN_WEIGHTS


def test_an_entry_carries_the_words_and_synonyms_kb_search_matches_it_by(site: Path) -> None:
    docs = json.loads((site / "site" / "search" / "search_index.json").read_text())["docs"]
    entry = next(d for d in docs if d["location"] == "findings/F-vps-builder-node-cni-broken-9tb5e.html")
    words = entry["text"].split()
    assert "mismatch" in words and "downgraded" in words  # its root cause and fix, beyond the summary
    assert "worker" in words and "agent" in words  # the synonyms of node
    assert entry["boost"] == 1.2


def test_the_site_ranks_kb_searchs_first_record_first(chromium: object, served: str, site: Path) -> None:
    driver: object = chromium
    worker = next((site / "site" / "assets" / "javascripts" / "workers").glob("search.*.min.js")).name
    driver.get(served)  # type: ignore[attr-defined]
    driver.set_script_timeout(60)  # type: ignore[attr-defined]
    questions = [words(case["question"]) for case in CASES]
    answers = driver.execute_async_script(  # type: ignore[attr-defined]
        RUN_QUERIES, f"assets/javascripts/workers/{worker}", "search/search_index.json", questions, MESSAGES
    )
    config = discover(site)
    differ, same = {}, 0
    for question, locations in zip(questions, answers, strict=True):  # the same words for both
        first = search(config.cache, config.records, question, limit=1).hits[0].id
        on_site = [record_of(location) for location in locations[:3]]
        same += on_site[:1] == [first]
        if first not in on_site:
            differ[question] = (first, on_site)
    assert differ == {}  # kb search's first record is among the site's first three, every time
    assert same >= SAME_FIRST * len(questions), same  # and first on both for most (21 of 28 when written)
