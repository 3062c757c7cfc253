"""Diagnostics: every problem kb reports, with a stable code, a place and a message.

The CODES table is the one list of codes; the README's table is rendered from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum


class Level(StrEnum):
    error = "error"
    warning = "warning"


CODES: dict[str, tuple[Level, str]] = {
    # reading YAML
    "E101": (Level.error, "YAML syntax error or undecodable file"),
    "E102": (Level.error, "file larger than the record size limit"),
    "E103": (Level.error, "duplicate key in a mapping"),
    "E104": (Level.error, "YAML anchor, alias or merge key"),
    "E105": (Level.error, "explicit YAML tag"),
    "E106": (Level.error, "mapping key that is not a plain word"),
    "E107": (Level.error, "more than one YAML document in a record file"),
    "E108": (Level.error, "empty record file"),
    # the schema
    "E201": (Level.error, "field value does not match the schema"),
    "E202": (Level.error, "required field missing"),
    "E203": (Level.error, "unknown field"),
    "E204": (Level.error, "record is not a mapping"),
    # identity
    "E301": (Level.error, "two records share an ID"),
    "E302": (Level.error, "file name does not match the record's ID"),
    "E303": (Level.error, "ID prefix does not match the record kind"),
    # references
    "E401": (Level.error, "reference to a record that does not exist"),
    "E402": (Level.error, "reference to a record of the wrong kind"),
    "E404": (Level.error, "commit reference names a repository kb.toml does not know"),
    "W401": (Level.warning, "commit record that no record cites"),
    "W402": (Level.warning, "dates out of order"),
    "W403": (Level.warning, "closed action without evidence"),
    "W404": (Level.warning, "commit links unverified: repository not available"),
    "W405": (Level.warning, "cited commit has no commit record yet"),
    # git
    "E501": (Level.error, "commit not found in its repository"),
    "E502": (Level.error, "abbreviated hash matches more than one commit"),
    "E503": (Level.error, "commit found only in another repository"),
    "E504": (Level.error, "repository not available: path missing or not a git repository"),
    "W501": (Level.warning, "fix commit was reverted: finding regressed"),
    "W502": (Level.warning, "no fix commit touched the finding's paths"),
    "W503": (Level.warning, "commit trailer names a record that does not exist"),
    # configuration and rendering
    "E601": (Level.error, "kb.toml is invalid"),
    "E602": (Level.error, "possible secret in record text"),
    "E603": (Level.error, "template error"),
    "E604": (Level.error, "rendered document or site page would carry HTML outside the allow-list"),
    # importing reports and cluster state
    "E701": (Level.error, "report lacks a field every audit needs, or states it unreadably"),
    "E702": (Level.error, "imported value does not fit its record field"),
    "E703": (Level.error, "import input unreadable, or its record file already exists"),
    "E704": (Level.error, "kubectl JSON that is not a list of nodes, pods, PVCs or Argo CD applications"),
}


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place. `line` and `column` are 1-based; 0 means the whole file."""

    file: str
    line: int
    column: int
    code: str
    field: str
    message: str

    @property
    def level(self) -> Level:
        return CODES[self.code][0]

    def format(self) -> str:
        """`path:line:col: CODE field: message`, the form editors and CI annotate from."""
        where = f"{self.field}: " if self.field else ""
        return f"{self.file}:{self.line}:{self.column}: {self.code} {where}{self.message}"

    def as_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Report:
    """Errors and warnings from one run, kept apart so `--strict` can promote the warnings."""

    errors: list[Diagnostic]
    warnings: list[Diagnostic]

    @classmethod
    def of(cls, diagnostics: list[Diagnostic], strict: bool = False) -> Report:
        ordered = sorted(set(diagnostics))
        errors = [d for d in ordered if strict or d.level is Level.error]
        warnings = [d for d in ordered if not strict and d.level is Level.warning]
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
