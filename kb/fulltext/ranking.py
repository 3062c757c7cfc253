"""Parsing a search query and ranking the records that match it.

A query is split into units:

- **quoted phrases** (`"sync deadlock"`) must all match, as phrases;
- **record IDs** (`F-grafana-crashloop-7k2mq`, or a prefix of one) and **commit hashes**
  (7-40 hex digits, optionally `repo@`) are looked up exactly in the references table: the
  record itself first, then the records that cite it. One that matches nothing is searched as
  words instead (`OOM-kill` looks like an ID);
- **words**, of which any may match (an OR query), so a symptom described in one's own words
  still finds the records sharing the most, and the rarest, of them. Stopwords and words found in
  more than `COMMON_SHARE` of the records are dropped, unless nothing else is left. A word
  written with inner punctuation (`v1.33.6`, `dhanam-api`) is matched as a phrase of its parts;
  a trailing `*` matches any word starting so (`kyv*`). FTS5's porter stemmer makes
  hook/hooks and probe/probes/probing the same word.

Score of a record (higher is better):

    raw   = -bm25(fts, title 4, body 1, tags 2) + exact   # FTS5 BM25: rarer terms weigh more
    raw   = max(raw, LINKED_SHARE * raw(finding))         # lessons only: the findings they came from
    score = raw * KIND_WEIGHT[kind] * (1 + CONFIRM_BOOST * min(confirmations, CONFIRM_CAP))

where `exact` is `EXACT_OWN` (1000) for the record an ID or hash names, `EXACT_PREFIX` (500) when
the query is a prefix of its ID, and `EXACT_CITES` (100) for a record citing it, else 0.
Kind weights put lessons first (a lesson matching as well as a finding outranks it: 1.5 vs 1.2),
each later audit that confirmed a lesson adds `CONFIRM_BOOST` to its multiplier, and a lesson
learned from a matching finding is listed with it even when it shares none of the query's words:
the point of search is finding the lesson before repeating the mistake.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from kb.fulltext import typos
from kb.fulltext.index import Listing, SyncStats, open_index, rebuild
from kb.fulltext.searchdoc import hash_of
from kb.fulltext.synonyms import Synonyms
from kb.fulltext.synonyms import synonyms as synonyms_of
from kb.records.refs import is_record_id

KIND_WEIGHT: dict[str, float] = {
    "lesson": 1.5,
    "finding": 1.2,
    "action": 1.0,
    "audit": 0.9,
    "commit": 0.9,
    "snapshot": 0.6,
}
CONFIRM_BOOST = 0.3
CONFIRM_CAP = 5
COLUMN_WEIGHTS = (4.0, 1.0, 2.0)
"""bm25 weights of the title, body and tags columns."""
EXACT_OWN, EXACT_PREFIX, EXACT_CITES = 1000.0, 500.0, 100.0
LINKED_SHARE = 0.7
"""A lesson scores at least this share of the best-matching finding it was learned from."""
COMMON_SHARE = 0.4
COMMON_MIN_DOCS = 20
"""Dropping words by document share starts at this many records (below it every word is rare)."""
SNIPPET_WORDS = 16
START, END = "\x02", "\x03"
"""Markers around highlighted words in snippets; the command line turns them into colour."""

_STOPWORD_TEXT = """a about after again all also am an and any are as at be because been before being between both
    but by can cannot could did do does doing don down during each few for from further get gets got had
    has have having he her here how i if in into is it its just me more most my no nor not now of off on
    once only or other our out over own same she should so some such than that the their them then there
    these they this those through to too under until up very was we were what when where which while who
    whom why will with would you your"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_WORD = re.compile(r"[^\W_]+")
_APOSTROPHE = re.compile("['\u2019]\\w*")
_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_EDGE_PUNCT = "()[]{}<>,;:!?.'`\u2019"


class SearchError(Exception):
    """The search could not run (bad filter value, unusable cache folder)."""


class Filters(NamedTuple):
    """Restrictions on the results; each tuple lists accepted values (empty: no restriction)."""

    kinds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    since: str | None = None
    """ISO date: only records dated that day or later (a record's own date, else its audit's)."""

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.tags or self.severities or self.statuses or self.since)


NO_FILTERS = Filters()


class Term(NamedTuple):
    """A word, or the words of a phrase, as FTS5 matches it; `prefix` matches any word so begun."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def fts(self) -> str:
        return '"' + " ".join(self.words) + '"' + (" *" if self.prefix else "")

    def __str__(self) -> str:
        return " ".join(self.words) + ("*" if self.prefix else "")


class Parsed:
    """A query split into its units (see the module docstring)."""

    def __init__(self) -> None:
        self.phrases: list[Term] = []
        self.words: list[Term] = []
        self.ids: list[str] = []
        self.hashes: list[str] = []
        self.dropped: list[str] = []
        self.sequence: list[str] = []
        """Every word outside quotes, stopwords too, in order: what synonyms are looked up in."""
        self.corrected: list[tuple[str, list[str]]] = []
        """Each word no record has, with the indexed words searched for instead."""


class Hit(NamedTuple):
    """One matching record."""

    id: str
    kind: str
    title: str
    date: str | None
    score: float
    snippet: str
    path: str
    severity: str | None
    status: str | None
    tags: tuple[str, ...]


class SearchResult(NamedTuple):
    """The hits, best first, and what a user needs when there are none."""

    hits: list[Hit]
    parsed: Parsed
    stats: SyncStats
    suggestions: list[str]


def parse(query: str) -> Parsed:
    """Split a query into phrases, IDs, hashes and words (stopwords are dropped later)."""
    parsed = Parsed()
    for match in _TOKEN.finditer(query):
        quoted, bare = match.groups()
        if quoted is not None:
            words = _WORD.findall(quoted.lower())
            if words:
                parsed.phrases.append(Term(tuple(words)))
            continue
        token = bare.strip(_EDGE_PUNCT)
        if is_record_id(token):
            parsed.ids.append(token)
        elif (commit_hash := hash_of(token)) is not None:
            parsed.hashes.append(commit_hash)
        else:
            _add_words(parsed, token)
    return parsed


def _add_words(parsed: Parsed, token: str) -> None:
    words = _WORD.findall(_APOSTROPHE.sub("", token).lower())
    if not words:
        return
    parsed.sequence += words
    prefix = token.endswith("*")
    if len(words) == 1 and words[0] in STOPWORDS and not prefix:
        parsed.dropped.append(words[0])
        return
    parsed.words.append(Term(tuple(words), prefix))


_KIND_CASE = "CASE d.kind " + " ".join(f"WHEN '{k}' THEN {w}" for k, w in KIND_WEIGHT.items()) + " ELSE 1.0 END"
_MULTIPLIER = f"{_KIND_CASE} * (1 + {CONFIRM_BOOST} * min(d.confirmations, {CONFIRM_CAP}))"
_AUDIT = "LEFT JOIN docs a ON a.id = d.audit AND a.kind = 'audit'"


class _Sql:
    """A WHERE fragment over `d` (docs) and, when `joins` names it, `a` (its audit), with its parameters."""

    def __init__(self) -> None:
        self.where: list[str] = []
        self.params: list[object] = []
        self.joins = ""
        """The audit join, only when a filter needs it: joining every match costs a third of a query."""

    def add(self, clause: str, *params: object) -> None:
        self.where.append(clause)
        self.params.extend(params)

    def text(self) -> str:
        return "".join(f" AND {clause}" for clause in self.where)


def _filters(filters: Filters) -> _Sql:
    sql = _Sql()
    for column, values in (
        ("d.kind", filters.kinds),
        ("d.severity", filters.severities),
        ("d.status", filters.statuses),
    ):
        if values:
            sql.add(f"{column} IN ({', '.join('?' * len(values))})", *(v.lower() for v in values))
    for tag in filters.tags:
        sql.add("EXISTS (SELECT 1 FROM tags t WHERE t.doc = d.rowid AND t.tag = ?)", tag.lower())
    if filters.since:
        sql.add("COALESCE(d.date, a.date) >= ?", filters.since)
        sql.joins = _AUDIT
    return sql


def _drop_common(conn: sqlite3.Connection, parsed: Parsed) -> list[Term]:
    """The word units left after dropping those in more than COMMON_SHARE of the records."""
    total = conn.execute("SELECT count(*) FROM docs WHERE error IS NULL").fetchone()[0]
    if total < COMMON_MIN_DOCS or len(parsed.words) < 2:
        return parsed.words
    kept = []
    for term in parsed.words:
        count = conn.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (term.fts,)).fetchone()[0]
        if count > COMMON_SHARE * total:
            parsed.dropped.append(str(term))
        else:
            kept.append(term)
    return kept or parsed.words


def _exact(conn: sqlite3.Connection, parsed: Parsed) -> dict[int, float]:
    """Unweighted scores of the records an ID or hash in the query names or cites."""
    scores: dict[int, float] = {}
    unmatched = []
    for record_id in parsed.ids:
        own = conn.execute(
            "SELECT doc, token FROM refs WHERE own = 1 AND token >= ? AND token < ?", (record_id, record_id + "~")
        ).fetchall()
        _score(scores, [(doc, EXACT_OWN if token == record_id else EXACT_PREFIX) for doc, token in own])
        named = {token for _, token in own}
        if named:
            marks = ", ".join("?" * len(named))
            cites = conn.execute(f"SELECT doc FROM refs WHERE own = 0 AND token IN ({marks})", tuple(named))
            _score(scores, [(doc, EXACT_CITES) for (doc,) in cites])
        else:
            unmatched.append(record_id)
    for commit_hash in parsed.hashes:
        rows = conn.execute("SELECT doc, token, own FROM refs WHERE substr(token, 1, 7) = ?", (commit_hash[:7],))
        found = [
            (doc, EXACT_OWN if own else EXACT_CITES)
            for doc, token, own in rows
            if token.startswith(commit_hash) or commit_hash.startswith(token)
        ]
        _score(scores, found)
        if not found:
            unmatched.append(commit_hash)
    for token in unmatched:
        _add_words(parsed, token)
    return scores


def _score(scores: dict[int, float], found: list[tuple[int, float]]) -> None:
    for doc, value in found:
        scores[doc] = max(scores.get(doc, 0.0), value)


def _corrected(conn: sqlite3.Connection, parsed: Parsed, words: list[Term], table: Synonyms | None) -> list[Term]:
    """`words` with each long enough word that no record has, nor any of its synonyms, replaced by
    the indexed words it is a slip or two from (`kb.fulltext.typos`), noted in `parsed.corrected`."""
    kept = []
    for term in words:
        word = term.words[0]
        meant = [term, *(Term(t.words, t.prefix) for t in (table.expand([word]) if table else []))]
        if len(term.words) > 1 or term.prefix or not typos.allowed(word) or any(_found(conn, t) for t in meant):
            kept.append(term)
            continue
        near = typos.corrections(conn, word)
        if not near:
            kept.append(term)
            continue
        parsed.corrected.append((word, near))
        parsed.sequence = [near[0] if w == word else w for w in parsed.sequence]
        kept += [Term((stem,), prefix=True) for stem in near]
    return kept


def _found(conn: sqlite3.Connection, term: Term) -> bool:
    return conn.execute("SELECT 1 FROM fts WHERE fts MATCH ? LIMIT 1", (term.fts,)).fetchone() is not None


def _expanded(parsed: Parsed, table: Synonyms) -> list[Term]:
    """The synonyms' terms a query's words bring (a common word that was dropped brings none)."""
    dropped = set(parsed.dropped)
    return [Term(t.words, t.prefix) for t in table.expand(parsed.sequence, dropped)]


def _match(parsed: Parsed, words: list[Term]) -> str | None:
    """The FTS5 MATCH expression: every phrase, and any word (or the phrases again)."""
    phrases = [p.fts for p in parsed.phrases]
    optional = [w.fts for w in words]
    if not optional:
        return " AND ".join(phrases) or None
    # Phrases are required; words only add to the score, so they are ORed with the first phrase.
    any_word = "(" + " OR ".join(optional + phrases[:1]) + ")"
    return " AND ".join([*phrases, any_word])


def _text(conn: sqlite3.Connection, expr: str, sql: _Sql, limit: int) -> dict[int, float]:
    """Unweighted text scores of the `limit` best matches by weighted score, filters applied."""
    weights = ", ".join(str(w) for w in COLUMN_WEIGHTS)
    rows = conn.execute(
        f"SELECT d.rowid, -bm25(fts, {weights}) AS raw FROM fts JOIN docs d ON d.rowid = fts.rowid {sql.joins}"
        f" WHERE fts MATCH ?{sql.text()} ORDER BY raw * {_MULTIPLIER} DESC LIMIT ?",
        (expr, *sql.params, limit),
    )
    return dict(rows.fetchall())


def _linked_lessons(conn: sqlite3.Connection, scores: dict[int, float]) -> dict[int, float]:
    """LINKED_SHARE of each matched finding's score, for every lesson learned from it."""
    marks = ", ".join("?" * len(scores))
    rows = conn.execute(
        "SELECT f.rowid, r.doc FROM docs f JOIN refs r ON r.token = f.id AND r.own = 0"
        f" JOIN docs l ON l.rowid = r.doc AND l.kind = 'lesson' WHERE f.kind = 'finding' AND f.rowid IN ({marks})",
        tuple(scores),
    )
    linked: dict[int, float] = {}
    for finding, lesson in rows:
        linked[lesson] = max(linked.get(lesson, 0.0), LINKED_SHARE * scores[finding])
    return linked


def _weighted(conn: sqlite3.Connection, scores: dict[int, float], sql: _Sql) -> list[tuple[int, float]]:
    """Scores times each record's kind and confirmation multiplier, filters applied, best first."""
    marks = ", ".join("?" * len(scores))
    rows = conn.execute(
        f"SELECT d.rowid, {_MULTIPLIER} FROM docs d {sql.joins} WHERE d.rowid IN ({marks}){sql.text()}",
        (*scores, *sql.params),
    )
    return sorted(((rowid, scores[rowid] * multiplier) for rowid, multiplier in rows), key=lambda item: -item[1])


def _hits(conn: sqlite3.Connection, ranked: list[tuple[int, float]], expr: str | None) -> list[Hit]:
    rowids = [rowid for rowid, _ in ranked]
    marks = ", ".join("?" * len(rowids))
    snippets: dict[int, str] = {}
    if expr is not None:
        rows = conn.execute(
            f"SELECT rowid, snippet(fts, -1, ?, ?, '…', {SNIPPET_WORDS}) FROM fts"
            f" WHERE fts MATCH ? AND rowid IN ({marks})",
            (START, END, expr, *rowids),
        )
        snippets = {rowid: text for rowid, text in rows if START in text}
    rows = conn.execute(
        "SELECT d.rowid, d.id, d.kind, d.title, COALESCE(d.date, a.date), d.path, d.severity, d.status,"
        f" substr(f.body, 1, 120), (SELECT group_concat(tag, ' ') FROM tags WHERE doc = d.rowid)"
        f" FROM docs d JOIN fts f ON f.rowid = d.rowid {_AUDIT} WHERE d.rowid IN ({marks})",
        rowids,
    )
    info = {row[0]: row[1:] for row in rows}
    hits = []
    for rowid, score in ranked:
        record_id, kind, title, date, path, severity, status, body, tags = info[rowid]
        snippet = " ".join((snippets.get(rowid) or body or title).split()[:SNIPPET_WORDS])
        hits.append(
            Hit(
                record_id,
                kind,
                title,
                date,
                round(score, 3),
                snippet,
                path,
                severity,
                status,
                tuple((tags or "").split()),
            )
        )
    return hits


def _suggestions(parsed: Parsed, filters: Filters) -> list[str]:
    """How to broaden a query that found nothing."""
    tips = []
    if filters.active:
        tips.append("drop the filters (--kind, --tag, --severity, --status, --since)")
    if parsed.phrases:
        tips.append("remove the quotes so the words may match apart")
    if parsed.ids or parsed.hashes:
        tips.append("check the ID or hash: no record has or cites it")
    if not (parsed.words or parsed.phrases or parsed.ids or parsed.hashes):
        tips.append("the query has no specific word (only ones like 'the' or 'how'); name a component or an error")
    else:
        tips.append("use fewer or other words, or a word's start with * (e.g. crash*)")
    return tips


def run(
    conn: sqlite3.Connection, query: str, filters: Filters, limit: int, table: Synonyms | None = None
) -> tuple[list[Hit], Parsed]:
    """Rank the records of an up-to-date index for `query`; the best `limit` hits first. A word no
    record has is read as the indexed word it is a slip from; `table` adds each word's synonyms."""
    parsed = parse(query)
    sql = _filters(filters)
    scores = _exact(conn, parsed)
    words = _corrected(conn, parsed, _drop_common(conn, parsed), table)
    expr = _match(parsed, list(dict.fromkeys(words + (_expanded(parsed, table) if table else []))))
    if expr is not None:
        for rowid, score in _text(conn, expr, sql, 2 * limit + len(scores)).items():
            scores[rowid] = scores.get(rowid, 0.0) + score
    if not scores:
        return [], parsed
    for rowid, score in _linked_lessons(conn, scores).items():
        scores[rowid] = max(scores.get(rowid, 0.0), score)
    ranked = _weighted(conn, scores, sql)[:limit]
    return (_hits(conn, ranked, expr) if ranked else []), parsed


def search(
    cache: Path,
    records: Path,
    query: str,
    filters: Filters = NO_FILTERS,
    limit: int = 10,
    synonyms: Sequence[str] = (),
    listing: Listing | None = None,
) -> SearchResult:
    """Bring the index up to date, then search it; a corrupt index is rebuilt once and retried.

    `synonyms` are kb.toml's groups, added to kb's own table. `listing`: the record files as the
    caller knows them now, instead of listing the folders (see kb.fulltext.index.sync)."""
    if limit < 1:
        raise SearchError(f"--limit must be at least 1, not {limit}")
    table = synonyms_of(tuple(synonyms))
    try:
        conn, stats = open_index(cache, records, listing)
        try:
            hits, parsed = run(conn, query, filters, limit, table)
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError:  # the file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB)
            conn.close()
            conn, stats = rebuild(cache, records, listing)
            hits, parsed = run(conn, query, filters, limit, table)
        finally:
            conn.close()
    except OSError as err:
        if err.filename is not None and not str(err.filename).startswith(str(cache)):
            raise SearchError(f"cannot read {err.filename}: {err.strerror}") from None  # a records folder, say
        raise SearchError(f"cannot use the search index in {cache}: {err}") from None
    except sqlite3.Error as err:
        raise SearchError(f"cannot use the search index in {cache}: {err}") from None
    return SearchResult(hits, parsed, stats, [] if hits else _suggestions(parsed, filters))
