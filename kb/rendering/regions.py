"""Managed regions: the parts of a hand-written file kb keeps current, between marker lines.

    <!-- kb:begin pickup -->
    (kb's text: replaced on every render)
    <!-- kb:end pickup -->

A marker is a line of its own, starting at the line's start. Only the text between a region's two
markers changes; every other byte of the file (its line endings, a missing final newline) stays
as it was, and a region's text takes the line ending of its begin marker. Any marker problem (a
region missing, a marker without its pair, a region twice or inside another) is an error at its
line, and then nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from kb.check.diagnostics import Code, Diagnostic
from kb.store.settings import REGION_WORD

_MARKER = re.compile(rf"<!-- kb:(begin|end) ({REGION_WORD}) -->")
_MARKER_START = "<!-- kb:"
NESTED = "regions cannot nest"
TWICE = "a region is in a file once"
_LINE = re.compile(r"[^\n]*\n|[^\n]+$")
"""One line with its ending: only `\\n` ends a line here, as it does for git and editors."""


def begin(name: str) -> str:
    return f"<!-- kb:begin {name} -->"


def end(name: str) -> str:
    return f"<!-- kb:end {name} -->"


class Region(NamedTuple):
    """One region of a file: where its text starts and ends (offsets), and its begin marker's line."""

    name: str
    line: int
    start: int
    """Offset of the region's text: just past the begin marker's line."""
    end: int
    """Offset of the end marker's line."""
    newline: str
    """The begin marker's line ending, which the region's text is written with."""


class Change(NamedTuple):
    """A region whose text the render changes: its name, its begin marker's line, the old and
    new text, and its two marker lines as the file has them."""

    name: str
    line: int
    old: str
    new: str
    markers: tuple[str, str]


class Updated(NamedTuple):
    """A file's text with its regions filled in, the regions that changed, and every marker problem."""

    text: str
    changes: list[Change]
    problems: list[Diagnostic]


class _Open(NamedTuple):
    name: str
    line: int
    start: int
    newline: str


def find(text: str, file: str) -> tuple[dict[str, Region], dict[str, int], list[Diagnostic]]:
    """Every region of `text` by name (none when there is a problem), the line each name's
    first begin marker is on, and every marker problem."""
    regions: dict[str, Region] = {}
    problems: list[Diagnostic] = []
    opened: list[_Open] = []
    first: dict[str, int] = {}

    def problem(line: int, message: str) -> None:
        problems.append(Diagnostic(file, line, 1, Code.E606, "", message))

    for number, match in enumerate(_LINE.finditer(text), start=1):
        line = match.group(0)
        content = line.rstrip("\r\n")
        if not content.startswith(_MARKER_START):
            continue
        marker = _MARKER.fullmatch(content.rstrip(" \t"))
        if marker is None:
            problem(number, f"not a kb marker: write {begin('NAME')!r} or {end('NAME')!r} on a line of its own")
            continue
        kind, name = marker.groups()
        if kind == "begin":
            if opened:
                outer = opened[-1]
                problem(number, f"region {name!r} begins inside region {outer.name!r} (line {outer.line}): {NESTED}")
            if name in first:
                problem(number, f"region {name!r} begins again (it began at line {first[name]}): {TWICE}")
            first.setdefault(name, number)
            opened.append(_Open(name, number, match.end(), line[len(content) :]))
        elif not opened or opened[-1].name != name:
            inside = f", inside region {opened[-1].name!r} (line {opened[-1].line})" if opened else ""
            problem(number, f"{end(name)!r} without {begin(name)!r} before it{inside}")
        else:
            region = opened.pop()
            regions[name] = Region(name, region.line, region.start, match.start(), region.newline)
    for region in opened:
        problem(region.line, f"{begin(region.name)!r} has no {end(region.name)!r} after it")
    return ({} if problems else regions), first, problems


def update(file: str, text: str, bodies: Mapping[str, str]) -> Updated:
    """`text` with each region named in `bodies` holding its body (bodies end with a newline).

    Problems: a marker problem, a region of `bodies` the file lacks, a region the file has that
    `bodies` does not name (kb.toml names every region kb writes, so it is a typo or a leftover).
    """
    regions, begins, problems = find(text, file)
    for name in sorted(bodies.keys() - begins.keys()):
        message = f"no region {name!r}: add the lines {begin(name)!r} and {end(name)!r} where kb's text belongs"
        problems.append(Diagnostic(file, 0, 0, Code.E606, "", message))
    for name, line in begins.items():
        if name not in bodies:
            message = f"region {name!r} is not named by any [[outputs]] region of kb.toml for this file"
            problems.append(Diagnostic(file, line, 1, Code.E606, "", message))
    if problems:
        return Updated(text, [], sorted(problems))
    pieces, changes, position = [], [], 0
    for region in sorted(regions.values(), key=lambda r: r.start):
        old = text[region.start : region.end]
        new = bodies[region.name].replace("\n", region.newline)
        if old != new:
            begin_line = text[text.rfind("\n", 0, region.start - 1) + 1 : region.start]
            end_line = _LINE.match(text, region.end)
            markers = (begin_line, end_line.group(0) if end_line else "")
            changes.append(Change(region.name, region.line, old, new, markers))
        pieces += [text[position : region.start], new]
        position = region.end
    pieces.append(text[position:])
    return Updated("".join(pieces), changes, [])
