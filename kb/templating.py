"""The one Jinja2 environment: strict about undefined names, with kb's filters registered once.

A knowledge base's own templates folder comes first, so a template there overrides the
default of the same name that ships with kb.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from kb import markdown

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
SOURCE_TEMPLATES = Path(__file__).parent.parent / "templates"


def default_templates() -> Path:
    """The templates shipped with kb: packaged in a wheel, or the source tree's in a checkout."""
    return PACKAGE_TEMPLATES if PACKAGE_TEMPLATES.is_dir() else SOURCE_TEMPLATES


@cache
def environment(user_templates: Path | None = None) -> jinja2.Environment:
    """A Jinja environment reading `user_templates` first, then kb's defaults."""
    folders = [p for p in (user_templates, default_templates()) if p is not None]
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
    env.filters["mdlink"] = markdown.link
    return env
