"""The one Jinja2 environment: strict about undefined names, with kb's filters registered once.

A knowledge base's own templates folder comes first, so a template there overrides the
default of the same name that ships with kb.
"""

from __future__ import annotations

import re
import traceback
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from kb import markdown, views
from kb.diagnostics import Diagnostic

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
SOURCE_TEMPLATES = Path(__file__).parent.parent / "templates"


def default_templates() -> Path:
    """The templates shipped with kb: packaged in a wheel, or the source tree's in a checkout."""
    return PACKAGE_TEMPLATES if PACKAGE_TEMPLATES.is_dir() else SOURCE_TEMPLATES


@cache
def environment(user_templates: Path | None = None) -> jinja2.Environment:
    """A Jinja environment reading `user_templates` first, then kb's defaults."""
    folders = list(dict.fromkeys(p.resolve() for p in (user_templates, default_templates()) if p is not None))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in folders]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the output is Markdown: values go through the `md` and `cell` filters
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = markdown.escape
    env.filters["cell"] = markdown.cell
    env.filters["code"] = markdown.code
    env.filters["codeblock"] = markdown.codeblock
    env.filters["mdlink"] = markdown.link
    env.filters["label"] = views.label
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
    return Diagnostic(str(file), line, 0, "E603", "", f"{type(err).__name__}: {err.message or err}")
