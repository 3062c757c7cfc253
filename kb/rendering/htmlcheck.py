"""The last step before a document or site page is written: the HTML it makes passes an allow-list.

The escaping filter keeps record text inert; this checks the result, whatever made it (a slip
of the filter, or a team's own template printing a field without it). A page is converted as
the site converts it, by Python-Markdown with mkdocs.yml's extensions (MkDocs' own option
parses them), and its HTML may hold only the elements and attributes kb's templates make:
Markdown's, the admonitions, and the dashboard's inline SVG charts. So no script, iframe,
object, form or `details`, no `on…` handler, no `javascript:`, `data:` or `vbscript:` URL and
no mermaid diagram survives, whatever Markdown construct carried it. With kb's own extensions,
text with no `<`, no attribute list, no custom fence and only plain link targets cannot make any
of these, so most pages pass without being converted. A page that fails stops the step with
E604 naming the record that carried the HTML; nothing is quietly mangled, so what passes is
written byte for byte as rendered.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel

from kb.check.diagnostics import Code, Diagnostic, Stopped

if TYPE_CHECKING:
    from kb.store.loader import Entry, KnowledgeBase

ALLOWED: dict[str, frozenset[str]] = {
    tag: frozenset(attributes)
    for tags, attributes in (
        (("p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "li", "div", "span"), ()),
        (("table", "thead", "tbody", "tr"), ()),
        (("th", "td"), ("style", "align")),
        (("h1", "h2", "h3", "h4", "h5", "h6"), ()),
        (("ol",), ("start",)),
        (("a",), ("href",)),
        (("img",), ("src", "alt")),
        (("svg",), ("xmlns", "role", "width", "height", "viewbox", "font-size", "fill")),
        (("text",), ("x", "y", "text-anchor")),
        (("rect",), ("x", "y", "width", "height", "fill")),
        (("title",), ()),
    )
    for tag in tags
}
"""Every element kb's templates make, with the attributes each may carry besides GLOBAL: what
Python-Markdown and mkdocs.yml's extensions write, and the charts of kb/publish/charts.py."""
GLOBAL = frozenset({"class", "id", "title"})
URLS = frozenset({"href", "src"})
SAFE_EXTENSIONS = frozenset({"toc", "tables", "fenced_code", "admonition", "pymdownx.superfences"})
"""The extensions (kb's mkdocs.yml and MkDocs' built-in ones) that make nothing outside the
allow-list from text without a tag, an attribute list, a custom fence or an odd link."""
SCHEMES = frozenset({"http", "https", "mailto"})
"""The URL schemes a link or image may use; relative URLs and fragments always pass."""
_ALIGN = re.compile(r"text-align:\s*(?:left|right|center);?")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
"""What browsers drop from a URL before reading its scheme (`java\tscript:` is `javascript:`)."""

_PLAIN_COMMENT = re.compile(r"[\w\s/.:-]*")
"""A comment every browser ends where Python's parser does (`<!-- material/tags -->`), unlike `<!-->`."""
_HANDLER = re.compile(r"<[^>]*?[\s/\"'](on[a-z]+)\s*=", re.IGNORECASE)
"""A handler-like attribute in any tag, read as loosely as a browser might read it."""

_FRONT_MATTER = re.compile(r"\A-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)
_TARGET = re.compile(r"\]\s*\(\s*<?([^\s)>]*)|\]:\s*<?(\S*)")
_PLAIN_TARGET = re.compile(r"(?:https?://)?[\w./~%#?=+-]*", re.ASCII)
_ATTRIBUTE_LIST = re.compile(r"\{\s*[:.#]|\{[^}\n]*=")
"""What an attribute list (`{: onclick=...}`, a fence's `{.lang}`) starts with, escaped or not."""


@dataclass(frozen=True)
class Unsafe:
    """One thing in a page's HTML outside the allow-list, and text that carried it, to find its record by."""

    what: str
    evidence: tuple[str, ...]


class _Inspector(HTMLParser):
    """Every element, attribute and URL of an HTML text held against the allow-list."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Unsafe] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            self.found.append(Unsafe(f"a <{tag}> element", (f"<{tag}",)))
        for name, value in attrs:
            self._attribute(tag, name, value or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        if not _PLAIN_COMMENT.fullmatch(data):
            self.found.append(Unsafe("a comment browsers may end early", ("<!--",)))

    def handle_decl(self, decl: str) -> None:
        self.found.append(Unsafe("a markup declaration", (f"<!{decl}",)))

    def handle_pi(self, data: str) -> None:
        self.found.append(Unsafe("a processing instruction", (f"<?{data}",)))

    def _attribute(self, tag: str, name: str, value: str) -> None:
        evidence = (f"{name}=", value, f"<{tag}") if len(value) > 2 else (f"{name}=", f"<{tag}")
        if name.startswith("on"):
            self.found.append(Unsafe(f"an event handler ({name} on <{tag}>)", evidence))
        elif name not in GLOBAL and name not in ALLOWED.get(tag, ()):
            self.found.append(Unsafe(f"a {name} attribute on <{tag}>", evidence))
        elif name == "style" and not _ALIGN.fullmatch(value.strip()):
            self.found.append(Unsafe(f"a style on <{tag}>", evidence))
        elif name == "class" and "mermaid" in value.split():
            self.found.append(Unsafe("a mermaid diagram", ("mermaid",)))
        elif name in URLS:
            scheme = _SCHEME.match(_INVISIBLE.sub("", value).lower())
            if scheme and scheme.group(1) not in SCHEMES:
                self.found.append(Unsafe(f"a {scheme.group(1)}: URL in <{tag} {name}>", (value, f"{scheme.group(1)}:")))


def inspect_html(html: str) -> list[Unsafe]:
    """What in `html` is outside the allow-list, in document order. Where a browser might read a
    tag otherwise than Python's parser does, a handler-like attribute in any tag counts as well."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    handlers = [m.group(1) for m in _HANDLER.finditer(html)]
    if handlers and not any(u.what.startswith("an event handler") for u in inspector.found):
        inspector.found.append(Unsafe(f"an event handler ({handlers[0].lower()})", (f"{handlers[0]}=",)))
    return inspector.found


def _stamp(path: Path) -> tuple[int, int]:
    """What the caches of mkdocs.yml's reading key on besides its path, so `kb serve` sees an edit."""
    try:
        stat = path.stat()
    except OSError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


@cache
def _converter(mkdocs_yml: Path, stamp: tuple[int, int]) -> Any:
    """Python-Markdown with the extensions and settings mkdocs.yml gives MkDocs (and MkDocs' built-in
    ones), parsed by MkDocs' own option, so the check converts a page as the site build does."""
    import markdown  # type: ignore[import-untyped]
    from mkdocs.config.config_options import MarkdownExtensions
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.utils.yaml import yaml_load

    with mkdocs_yml.open("rb") as stream:
        settings = yaml_load(stream) or {}
    option: MarkdownExtensions = copy.deepcopy(MkDocsConfig.__dict__["markdown_extensions"])
    extensions = option.validate(settings.get("markdown_extensions", []))  # type: ignore[no-untyped-call]
    return markdown.Markdown(extensions=extensions, extension_configs=option.configdata)


class _AnyTag(yaml.SafeLoader):
    """Reads mkdocs.yml for its extensions' names without MkDocs: `!!python/name:` and `!ENV` become None."""


_AnyTag.add_multi_constructor("", lambda loader, suffix, node: None)


@cache
def _custom_fences(mkdocs_yml: Path, stamp: tuple[int, int]) -> re.Pattern[str] | None:
    """A fence opener naming one of mkdocs.yml's custom fences (mermaid), or None when mkdocs.yml
    names an extension beyond SAFE_EXTENSIONS: kb cannot tell which text that one makes HTML of."""
    try:
        settings = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=_AnyTag) or {}
        listed = settings.get("markdown_extensions") or []
        items = list(listed.items()) if isinstance(listed, dict) else [_item(entry) for entry in listed]
    except (OSError, yaml.YAMLError, AttributeError, ValueError):
        return None
    if not {name for name, _ in items} <= SAFE_EXTENSIONS:
        return None
    names = [
        f.get("name") for name, config in items if isinstance(config, dict) for f in config.get("custom_fences", [])
    ]
    words = "|".join(re.escape(str(n)) for n in names if n) or "(?!)"
    return re.compile(rf"^[ \t>]*(?:`{{3,}}|~{{3,}})[^\n]*?(?:{words})", re.IGNORECASE | re.MULTILINE)


def _item(entry: Any) -> tuple[str, Any]:
    return next(iter(entry.items())) if isinstance(entry, dict) else (str(entry), None)


def _may_make_html(body: str, mkdocs_yml: Path) -> bool:
    """Whether Markdown could make anything outside the allow-list of `body`: with kb's own
    extensions only a tag, an attribute list, a custom fence or a link to something but a plain
    URL can; with any other extension, anything might."""
    fences = _custom_fences(mkdocs_yml, _stamp(mkdocs_yml))
    if fences is None or "<" in body or _ATTRIBUTE_LIST.search(body) or fences.search(body):
        return True
    return any(not _PLAIN_TARGET.fullmatch(a or b) for a, b in _TARGET.findall(body))


def inspect_page(text: str, mkdocs_yml: Path) -> list[Unsafe]:
    """What in the HTML the site would make of one Markdown page (or document) is outside the allow-list.

    The theme prints front matter (title, tags) as HTML, so it may hold no `<` at all."""
    found: list[Unsafe] = []
    body = text
    front = _FRONT_MATTER.match(text)
    if front:
        body = text[front.end() :]
        if "<" in front.group(1):
            found.append(Unsafe("raw HTML in the front matter", ("<",)))
    if _may_make_html(body, mkdocs_yml):
        converter = _converter(mkdocs_yml, _stamp(mkdocs_yml))
        converter.reset()
        found += inspect_html(converter.convert(body))
    return found


# --- naming the record ----------------------------------------------------------------------


def _strings(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, (*path, i))
    elif isinstance(value, BaseModel):
        for key in type(value).model_fields:
            yield from _strings(getattr(value, key), (*path, key))


def _carrier(kb: KnowledgeBase, evidence: Iterable[str]) -> tuple[Entry, tuple[str | int, ...], str] | None:
    """The first record field whose text holds the most telling piece of evidence, and that piece."""
    for needle in (e.lower() for e in evidence):
        for entry in kb.all_entries():
            for path, text in _strings(entry.record, ()):
                if needle in text.lower():
                    return entry, path, needle
    return None


def _place(entry: Entry, path: tuple[str | int, ...], needle: str) -> tuple[int, int]:
    """Line and column of `needle` in the record's file, from where the field starts."""
    line, column = entry.at(*path)
    try:
        lines = entry.path.read_text(encoding="utf-8").lower().splitlines()
    except OSError:
        return line, column
    for number in range(line, len(lines) + 1):
        found = lines[number - 1].find(needle)
        if found >= 0:
            return number, found + 1
    return line, column


def diagnose(kb: KnowledgeBase, page: str, unsafe: Unsafe) -> Diagnostic:
    """E604 at the record field that carried `unsafe` into `page`, or at the page when none did."""
    message = f"{unsafe.what} would reach {page} as live HTML"
    carrier = _carrier(kb, unsafe.evidence)
    if carrier is None:
        return Diagnostic(page, 0, 0, Code.E604, "", f"{message}, from its template (no record holds it)")
    entry, path, needle = carrier
    line, column = _place(entry, path, needle)
    hint = "print the field through `| md` in the template, or show the HTML as code (`like this`)"
    return Diagnostic(entry.file, line, column, Code.E604, ".".join(map(str, path)), f"{message}; {hint}")


def check_pages(kb: KnowledgeBase, pages: Mapping[str, str], step: str, mkdocs_yml: Path) -> None:
    """Stop `step` with E604 for everything outside the allow-list on any page, each naming its record."""
    problems = {diagnose(kb, path, unsafe) for path, text in pages.items() for unsafe in inspect_page(text, mkdocs_yml)}
    if problems:
        raise Stopped(step, sorted(problems))
