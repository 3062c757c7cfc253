"""The one Jinja2 environment: strict about undefined names, with kb's filters registered once.

A knowledge base's own templates folder comes first, so a template there overrides the
default of the same name that ships with kb. Compiled templates are kept in kb's cache folder,
so a run compiles only templates that changed.
"""

from __future__ import annotations

import re
import traceback
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from kb.check.diagnostics import Code, Diagnostic
from kb.rendering import escape, views
from kb.speed import filecache
from kb.store.layout import default_templates

OPTIONS: dict[str, Any] = {
    "undefined": jinja2.StrictUndefined,
    "autoescape": False,  # the output is Markdown: values go through the `md` and `cell` filters
    "keep_trailing_newline": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
}
COMPILED = "templates"
"""The folder under kb's cache that holds compiled templates."""


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept between runs, one cache file each (kb.speed.filecache), each used
    only while its source (by checksum) and the cache key (kb's code and libraries, Jinja's
    version among them, and the environment's OPTIONS) are those it was compiled with."""

    def __init__(self, directory: Path, options: dict[str, Any]) -> None:
        self.directory = directory
        self.key = filecache.key("compiled templates", *(f"{k}={v!r}" for k, v in sorted(options.items())))

    def _file(self, bucket: jinja2.bccache.Bucket) -> Path:
        return self.directory / f"{bucket.key}.marshal"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        stored = filecache.read(self._file(bucket), self.key)
        if stored is not None and stored[0] == bucket.checksum:
            bucket.code = stored[1]

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        filecache.write(self._file(bucket), self.key, (bucket.checksum, bucket.code))


NESTED_INDENT = 4
"""Python-Markdown (MkDocs) nests a list only under four spaces; three read as one flat list."""


def nested(number: int) -> str:
    """The indent of a list nested under item `number` of an ordered list: four spaces, or the
    width of the item's marker when that is wider (`100. `), which CommonMark (GitHub) asks for."""
    return " " * max(NESTED_INDENT, len(str(number)) + 2)


@cache
def environment(user_templates: Path | None = None, cache_folder: Path | None = None) -> jinja2.Environment:
    """A Jinja environment reading `user_templates` first, then kb's defaults; with a
    `cache_folder`, compiled templates are kept under it."""
    folders = list(dict.fromkeys(p.resolve() for p in (user_templates, default_templates()) if p is not None))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in folders]),
        bytecode_cache=CompiledTemplates(cache_folder / COMPILED, OPTIONS) if cache_folder else None,
        **OPTIONS,
    )
    env.filters["md"] = escape.escape
    env.filters["cell"] = escape.cell
    env.filters["code"] = escape.code
    env.filters["codeblock"] = escape.codeblock
    env.filters["mdlink"] = escape.link
    env.filters["note"] = escape.note
    env.filters["label"] = views.label
    env.filters["nested"] = nested
    return env


def render_text(template: jinja2.Template, context: dict[str, Any]) -> str:
    """A template's output tidied: one blank line at most between blocks, one newline at the end."""
    return re.sub(r"\n{3,}", "\n\n", template.render(context)).strip("\n") + "\n"


def template_error(err: jinja2.TemplateError) -> Diagnostic:
    """E603 at the template line that failed, found in Jinja's rewritten traceback."""
    file, line = getattr(err, "filename", None) or getattr(err, "name", None) or "template", 0
    if isinstance(err, jinja2.TemplateSyntaxError):
        line = err.lineno
    else:
        for frame in traceback.extract_tb(err.__traceback__):
            if frame.filename.endswith(".j2"):
                file, line = frame.filename, frame.lineno or 0
    return Diagnostic(str(file), line, 0, Code.E603, "", f"{type(err).__name__}: {err.message or err}")
