"""The HTML check at the last step: hostile text stays inert wherever a template puts it, and what
a template lets through raw is an error naming its record, while kb's own HTML passes untouched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from kb.publish.charts import bar_chart
from kb.publish.pages import front_matter
from kb.rendering.escape import cell, code, escape, link
from kb.rendering.htmlcheck import inspect_html, inspect_page
from kb.store.layout import mkdocs_file
from tests.conftest import run_kb

FUZZ = yaml.safe_load((Path(__file__).parent.parent / "cases" / "html_fuzz.yaml").read_text(encoding="utf-8"))
CASES = [pytest.param(case, id=case["name"]) for case in FUZZ["payloads"]]
MKDOCS = mkdocs_file(Path(__file__).parent.parent.parent)

PLACES: dict[str, Callable[[str], str]] = {
    "block": lambda t: f"Before.\n\n{escape(t)}\n\nAfter.\n",
    "list item": lambda t: f"- Fix: {escape(t)}\n- Verification: done\n",
    "heading": lambda t: f"# {escape(t)}\n\nText.\n",
    "table cell": lambda t: f"| A | B |\n|---|---|\n| {cell(t)} | x |\n",
    "link": lambda t: f"- {link(t, 'x.md')} (F-x)\n",
    "code": lambda t: f"- Commit {code(t)}: {escape(t)}\n",
    "values side by side": lambda t: f"- {escape(t)}: {code(t)}, {escape(t)} ({escape(t)})\n",
}
"""How kb's templates place a value: each filter, in a paragraph, a list item, a heading, a table,
next to other values with the words or punctuation between them that the templates put there."""
RAW: dict[str, Callable[[str], str]] = {"list item": lambda t: f"- Fix: {t}\n- Next: x\n", "block": lambda t: f"{t}\n"}
"""How a team's own template that prints a field without a filter places it."""


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("case", CASES)
def test_every_payload_stays_inert_wherever_a_template_puts_it(case: dict[str, str], place: str) -> None:
    assert inspect_page(PLACES[place](case["text"]), MKDOCS) == []


@pytest.mark.parametrize("case", CASES)
def test_the_check_refuses_each_payload_where_markdown_makes_it_live(case: dict[str, list[str]]) -> None:
    for place, put in RAW.items():
        refused = inspect_page(put(str(case["text"])), MKDOCS)
        assert bool(refused) == (place in case["live_raw"]), (place, refused)


def test_values_a_template_puts_back_to_back_are_checked_as_they_stand() -> None:
    """Two code spans with nothing between them read as other spans than each alone: a closing
    backtick must not touch another. kb's templates always put something between values; a
    team's own template that does not is caught at the last step."""
    text = '`x\n\n<img src=x onerror="alert(1)">`'
    assert inspect_page(f"- {escape(text)}, {code(text)}\n", MKDOCS) == []
    assert [u.what for u in inspect_page(f"- {escape(text)}{code(text)}\n", MKDOCS)][:1] == [
        "an event handler (onerror on <img>)"
    ]


def test_kb_s_own_html_passes() -> None:
    page = (
        front_matter("Home & <b>away</b>", ["a: b"])
        + '# Title\n\n!!! note "Heads up"\n    Admonition body.\n\n'
        + bar_chart("Findings by severity", {"critical": 2, "low <1>": 5})
        + "\n\n| A | B |\n|:--|--:|\n| [x](findings/F-x.md) | `y` |\n\n"
        + "```text\n<script>shown, not run</script>\n```\n\n<!-- material/tags -->\n"
    )
    assert inspect_page(page, MKDOCS) == []


@pytest.mark.parametrize(
    ("html", "what"),
    [
        ('<img src="x"onerror="alert(1)">', "an event handler (onerror on <img>)"),
        ("<IMG SRC=x ONERROR=alert(1)>", "an event handler (onerror on <img>)"),
        ("<svg><title><img src=x onerror=alert(1)></title></svg>", "an event handler (onerror on <img>)"),
        ("<!--><img src=x onerror=alert(1)>-->", "a comment browsers may end early"),
        ('<a href="jav&#x09;ascript:alert(1)">x</a>', "a javascript: URL in <a href>"),
        ('<a href=" JaVaScRiPt:alert(1)">x</a>', "a javascript: URL in <a href>"),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "a data: URL in <img src>"),
        ('<td style="background:url(javascript:alert(1))">x</td>', "a style on <td>"),
        ('<pre class="mermaid"><code>graph</code></pre>', "a mermaid diagram"),
        ("<details open>x</details>", "a <details> element"),
        ("<iframe src=x></iframe>", "a <iframe> element"),
        ('<a href="x" target="_blank">x</a>', "a target attribute on <a>"),
    ],
)
def test_what_the_allow_list_refuses(html: str, what: str) -> None:
    assert what in [unsafe.what for unsafe in inspect_html(html)]


def test_front_matter_may_hold_no_tag() -> None:
    assert [u.what for u in inspect_page("---\ntitle: <b>x</b>\n---\n\nText.\n", MKDOCS)] == [
        "raw HTML in the front matter"
    ]


def test_with_an_extension_kb_does_not_know_every_page_is_converted(tmp_path: Path) -> None:
    mkdocs = tmp_path / "mkdocs.yml"
    mkdocs.write_text("site_name: x\nmarkdown_extensions:\n  - attr_list\n  - pymdownx.details\n")
    assert inspect_page('Text\n{: onclick="alert(1)" }\n', MKDOCS) == []  # no attr_list: shown as text
    assert [u.what for u in inspect_page('Text\n{: onclick="alert(1)" }\n', mkdocs)] == [
        "an event handler (onclick on <p>)"
    ]
    assert "a <details> element" in [u.what for u in inspect_page("??? note\n    hidden\n", mkdocs)]


def _raw_template(root: Path, field: str) -> None:
    """A team's own audit report that prints `field` of each finding without the `md` filter."""
    default = Path(__file__).parent.parent.parent / "templates" / "audit_report.md.j2"
    text = default.read_text()
    assert f"f.{field} | md" in text, "the default template no longer prints the field this way"
    (root / "templates").mkdir()
    (root / "templates" / "audit_report.md.j2").write_text(text.replace(f"f.{field} | md", f"f.{field}"))


FINDING = "data/findings/F-kyverno-cronjob-deadlock-8fs4k.yaml"


@pytest.mark.parametrize("verb", ["render", "site", "build"])
def test_html_a_template_lets_through_stops_the_verb_naming_the_record(sample_kb: Path, verb: str) -> None:
    _raw_template(sample_kb, "root_cause")
    path = sample_kb / FINDING
    lines = path.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("root_cause:"))
    lines[at] = "root_cause: 'Tags gone <img src=x onerror=\"alert(1)\">'"
    path.write_text("\n".join(lines) + "\n")
    result = run_kb(sample_kb, verb)
    assert result.exit_code == 1
    column = lines[at].index("onerror=") + 1
    assert (
        f"{FINDING}:{at + 1}:{column}: E604 root_cause: an event handler (onerror on <img>) would reach "
        "docs/audits/AUD-production-ecosystem-audit-k3f9x.md as live HTML" in result.stderr
    )
    assert not (sample_kb / "docs").exists() and not (sample_kb / "site").exists()


def test_html_of_a_template_s_own_is_an_error_at_the_document(sample_kb: Path) -> None:
    _raw_template(sample_kb, "root_cause")
    template = sample_kb / "templates" / "audit_report.md.j2"
    template.write_text(template.read_text() + "\n<script>track()</script>\n")
    result = run_kb(sample_kb, "render")
    assert result.exit_code == 1
    assert (
        "docs/audits/AUD-production-ecosystem-audit-k3f9x.md:0:0: E604 a <script> element would reach "
        "docs/audits/AUD-production-ecosystem-audit-k3f9x.md as live HTML, from its template" in result.stderr
    )
