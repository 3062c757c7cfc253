"""Diagnostics: every problem kb reports, with a stable code, a place and a message.

`Code` is the one list of codes, each declared with its meaning; the README's table is
rendered from it. Standard library only (no dataclasses either): reading kb.toml reports
its problems as diagnostics, and `kb search` reads kb.toml.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from enum import StrEnum
from typing import Any, NamedTuple


class Level(StrEnum):
    error = "error"
    warning = "warning"


class Code(StrEnum):
    """A diagnostic code and its meaning; its letter is its level (E error, W warning)."""

    meaning: str

    def __new__(cls, code: str, meaning: str) -> Code:
        member = str.__new__(cls, code)
        member._value_ = code
        member.meaning = meaning
        return member

    @property
    def level(self) -> Level:
        return Level.warning if self.startswith("W") else Level.error

    # reading YAML
    E101 = "E101", "YAML syntax error or undecodable file"
    E102 = "E102", "file larger than the record size limit"
    E103 = "E103", "duplicate key in a mapping"
    E104 = "E104", "YAML anchor, alias or merge key"
    E105 = "E105", "explicit YAML tag"
    E106 = "E106", "mapping key that is not a plain word"
    E107 = "E107", "more than one YAML document in a record file"
    E108 = "E108", "empty record file"
    E109 = "E109", "mappings or lists nested deeper than a record may be"
    E110 = "E110", "record file cannot be read: permissions, a symbolic link loop, not a regular file"
    # the schema
    E201 = "E201", "field value does not match the schema"
    E202 = "E202", "required field missing"
    E203 = "E203", "unknown field"
    E204 = "E204", "record is not a mapping"
    # identity
    E301 = "E301", "two records share an ID"
    E302 = "E302", "file name does not match the record's ID"
    E303 = "E303", "ID prefix does not match the record kind"
    # references
    E401 = "E401", "reference to a record that does not exist"
    E402 = "E402", "reference to a record of the wrong kind"
    E404 = "E404", "commit reference names a repository kb.toml does not know"
    W401 = "W401", "commit record that no record cites"
    W402 = "W402", "dates out of order"
    W403 = "W403", "closed action without evidence"
    W404 = "W404", "commit links unverified: repository not available"
    W405 = "W405", "cited commit has no commit record yet"
    W406 = "W406", "commit links unverified: history missing from a shallow clone"
    # git
    E501 = "E501", "commit not found in its repository"
    E502 = "E502", "abbreviated hash matches more than one commit"
    E503 = "E503", "commit found only in another repository"
    E504 = "E504", "repository not available: path missing or not a git repository"
    E505 = "E505", "history a document needs is missing from a shallow clone"
    W501 = "W501", "fix commit was reverted: finding regressed"
    W502 = "W502", "no fix commit touched the finding's paths"
    W503 = "W503", "commit trailer names a record that does not exist"
    # configuration and rendering
    E601 = "E601", "kb.toml unreadable or invalid"
    E602 = "E602", "possible secret in record text"
    E603 = "E603", "template error"
    E604 = "E604", "rendered document or site page would carry HTML outside the allow-list"
    E605 = "E605", "output would replace a file, or empty a folder, that kb did not write"
    E606 = "E606", "managed region markers missing, unpaired, repeated or nested"
    E607 = "E607", "records folder does not exist"
    # importing reports and cluster state
    E701 = "E701", "report lacks a field every audit needs, or states it unreadably"
    W701 = "W701", "report does not say something an audit usually has; imported without it, or guessed"
    E702 = "E702", "imported value does not fit its record field"
    E703 = "E703", "import input unreadable, or its record file already exists"
    E704 = "E704", "kubectl JSON that is not a list of nodes, pods, PVCs or Argo CD applications"


def ignorable(text: str) -> Code:
    """The warning code `text` names; ValueError saying why when it names an error or no code."""
    code = Code.__members__.get(text)
    if code is None:
        import difflib

        near = difflib.get_close_matches(text, list(Code.__members__), n=1)
        raise ValueError(f"{text!r} is not a diagnostic code" + (f"; did you mean {near[0]}?" if near else ""))
    if code.level is Level.error:
        raise ValueError(f"{code} is an error ({code.meaning}); only a warning can be ignored")
    return code


class Diagnostic(NamedTuple):
    """One problem at one place. `line` and `column` are 1-based; 0 means the whole file."""

    file: str
    line: int
    column: int
    code: Code
    field: str
    message: str

    @property
    def level(self) -> Level:
        return self.code.level

    def format(self) -> str:
        """`path:line:col: CODE field: message`, the form editors and CI annotate from."""
        where = f"{self.field}: " if self.field else ""
        return f"{self.file}:{self.line}:{self.column}: {self.code} {where}{self.message}"

    def as_json(self) -> dict[str, object]:
        return {**self._asdict(), "code": str(self.code)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Diagnostic:
        """The diagnostic `as_json` gave."""
        return cls(**{**data, "code": Code[data["code"]]})


class Report(NamedTuple):
    """Errors and warnings from one run, kept apart so `--strict` can promote the warnings."""

    errors: list[Diagnostic]
    warnings: list[Diagnostic]

    @classmethod
    def of(cls, diagnostics: Iterable[Diagnostic], strict: bool = False, ignore: Collection[Code] = ()) -> Report:
        """Sorted and split; a warning whose code is in `ignore` is dropped (an error never is),
        and with `strict` the others count as errors."""
        kept = sorted({d for d in diagnostics if d.level is Level.error or d.code not in ignore})
        errors = [d for d in kept if strict or d.level is Level.error]
        warnings = [d for d in kept if not strict and d.level is Level.warning]
        return cls(errors, warnings)

    @property
    def ok(self) -> bool:
        return not self.errors


class Stopped(Exception):
    """A step of the pipeline found problems and nothing was written; `problems` lists every one.

    A problem is a Diagnostic (file, line, code) or, where a tool reports only text (MkDocs), a line.
    """

    def __init__(self, step: str, problems: Sequence[Diagnostic | str]):
        super().__init__(f"{step} stopped: {len(problems)} problem(s); nothing written")
        self.step = step
        self.problems = list(problems)

    def lines(self) -> list[str]:
        """Each problem as printed: `path:line:col: CODE field: message` or the tool's own words."""
        return [p.format() if isinstance(p, Diagnostic) else p for p in self.problems]
