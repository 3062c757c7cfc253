"""The escaping filter against hostile record text, checked on the HTML a real Markdown renderer makes."""

from __future__ import annotations

import re
from pathlib import Path

import markdown as python_markdown
import pytest
import yaml

from kb.rendering.escape import cell, code, codeblock, escape, link, note

HOSTILE = [
    "a | b | c",
    "back\\slash \\| and \\",
    "line one\nline two\n\nline four",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "<javascript:alert(1)>",
    "JaVaScRiPt :alert(1)",
    "![x](data:text/html;base64,PHNjcmlwdD4=)",
    "[ref]: javascript:alert(1)",
    "text {: onclick=alert(1) }",
    "&lt;script&gt; &#60;b&#62;",
    "`code | with pipe` and <b>bold</b>",
    "# heading\n> quote\n- item\n1. item\n---\n===",
    "**bold** _em_ ~~strike~~",
    "    indented code",
]


def html_of(markdown_text: str) -> str:
    return python_markdown.markdown(markdown_text, extensions=["tables", "attr_list", "fenced_code"])


def assert_inert(html: str) -> None:
    """No element that runs script, no event-handler attribute, no script-scheme link."""
    lowered = html.lower()
    assert not re.search(r"<(script|img|iframe|svg|object)", lowered), html
    assert not re.search(r"<[^>]*\son\w+\s*=", lowered), html
    assert not re.search(r"(href|src)=\"\s*(javascript|data|vbscript)", lowered), html


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_cell_stays_one_cell_and_inert(text: str) -> None:
    table = f"| A | B | C |\n|---|---|---|\n| x | {cell(text)} | z |\n"
    html = html_of(table)
    assert_inert(html)
    row = re.findall(r"<tr>(.*?)</tr>", html, re.DOTALL)[1]
    assert len(re.findall(r"<td>", row)) == 3, html
    assert "\n" not in cell(text)
    assert re.findall(r"<td>(.*?)</td>", row, re.DOTALL)[2] == "z"


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_prose_adds_no_markup(text: str) -> None:
    html = html_of(f"Before: {escape(text)}\n\nAfter.")
    assert_inert(html)
    for tag in ("<h1", "<h2", "<blockquote", "<ul", "<ol", "<hr", "<pre", "<a ", "<strong", "<em", "<del", "<b>"):
        assert tag not in html, (tag, html)
    assert html.rstrip().endswith("<p>After.</p>")


def test_text_shows_as_written() -> None:
    html = html_of(escape("a_b <= c & d * e \\ f"))
    assert html == "<p>a_b &lt;= c &amp; d * e \\ f</p>"


def test_code_spans_pass_through_but_pipes_in_cells_are_escaped() -> None:
    assert escape("use `kubectl get | grep x`") == "use `kubectl get | grep x`"
    assert cell("use `a|b`") == "use `a\\|b`"


@pytest.mark.parametrize(
    ("value", "span"),
    [("plain", "`plain`"), ("has `tick`", "`` has `tick` ``"), ("`x", "`` `x ``"), ("two\nlines", "`two lines`")],
)
def test_code_fences_with_more_backticks_than_the_value(value: str, span: str) -> None:
    assert code(value) == span


def test_a_code_block_cannot_be_closed_by_its_content() -> None:
    block = codeblock(["abc fix: x", "```", "<script>"])
    html = html_of(block)
    assert block.startswith("````\n") and block.endswith("\n````")
    assert "<script" not in html.replace("&lt;script", "")


FENCES = {"extensions": ["tables", "pymdownx.superfences"]}


def _html(text: str) -> str:
    return python_markdown.markdown(text, **FENCES)


@pytest.mark.parametrize(
    "text",
    [
        "```mermaid\ngraph TD; A-->B\n```",
        "```{.mermaid}\ngraph\n```",
        "~~~mermaid\ngraph\n~~~",
        "one ```mermaid\ngraph\n``` inline",
    ],
)
def test_fences_from_records_never_run(text: str) -> None:
    html = _html(escape(text))
    assert 'class="mermaid"' not in html
    assert "graph" in html


FUZZ = yaml.safe_load((Path(__file__).parent.parent / "cases" / "html_fuzz.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", [pytest.param(c["text"], id=c["name"]) for c in FUZZ["payloads"]])
def test_hostile_constructs_stay_inert_inline_and_as_blocks(case: str) -> None:
    for text in (
        f"- Fix: {escape(case)}\n- Next: x\n",
        f"{escape(case)}\n",
        f"# {escape(case)}\n",
        f"| {cell(case)} |",
    ):
        assert_inert(re.sub(r"<code>.*?</code>", "<code></code>", _html(text), flags=re.DOTALL))  # code is text


def test_a_code_span_stays_one_span_on_one_line() -> None:
    assert escape("`kubectl get pods\n  -n kube-system`") == "`kubectl get pods -n kube-system`"
    assert escape("`x\n\n<b>`") == "`x <b>`"


def test_a_fence_from_a_record_is_a_block_no_line_of_it_can_close() -> None:
    fenced = escape("see:\n```yaml\nkey: 1\n`````\n<b>\n```\nafter")
    assert fenced == "see:\n\n``````yaml\nkey: 1\n`````\n<b>\n``````\n\nafter"
    html = _html(f"- Fix: {fenced}\n")
    assert html.count("<pre") == 1 and "&lt;b&gt;" in html


def test_a_backtick_no_span_pairs_is_escaped() -> None:
    assert escape("a ` b") == "a \\` b" and cell("```") == "\\`\\`\\`"


def test_link_text_cannot_end_the_link_early() -> None:
    text = link("]( javascript:alert(1) ) [x]", "../a.md")
    html = _html(text)
    assert html.count("<a ") == 1 and 'href="../a.md"' in html
    assert "javascript:" not in html.replace("javascript&#58;", "")


def test_link_in_a_table_cell_keeps_the_row() -> None:
    row = f"| {link('a | b', 'x.md', cell=True)} | {cell('c|d')} |"
    html = _html(f"| A | B |\n| --- | --- |\n{row}\n")
    assert html.count("<td>") == 2 and ">a | b</a>" in html and "c|d" in html


@pytest.mark.parametrize("target", ["javascript:alert(1)", "https://example.com/x", "data:text/html,x"])
def test_link_targets_stay_inside_the_site(target: str) -> None:
    with pytest.raises(ValueError, match="its own pages"):
        link("x", target)


# --- notes kept from an imported report: Markdown as it was, made inert ---------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_note_stays_inert_and_inside_its_list_item(text: str) -> None:
    html = _html(f"- first\n- {note(text)}\n- last\n")
    assert_inert(html)
    assert html.count("<li>") == 3 and html.count("<ul>") == 1, html
    for tag in ("<h1", "<h2", "<blockquote", "<ol", "<hr", "<pre", "<table", "<a ", "<b>"):
        assert tag not in html, (tag, html)
    assert 'class="mermaid"' not in html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Header: **Auditor:** Dana", "Header: <strong>Auditor:</strong> Dana"),
        ("Lesson: use `bitnami/kubectl:latest` _now_", "Lesson: use <code>bitnami/kubectl:latest</code> <em>now</em>"),
        ("see [the runbook](https://wiki.example/run)", 'see <a href="https://wiki.example/run">the runbook</a>'),
        (
            "## Coffee log\nThree espressos, one regret.",
            "<strong>Coffee log</strong><br />\nThree espressos, one regret.",
        ),
        ("Storage: pg-main: Backup=nightly", "Storage: pg-main: Backup=nightly"),
    ],
)
def test_a_note_renders_as_the_markdown_it_was(text: str, html: str) -> None:
    assert _html(f"- {note(text)}\n") == f"<ul>\n<li>{html}</li>\n</ul>"


def test_only_web_links_stay_links() -> None:
    html = _html(note("[a](https://x.example) [b](javascript:alert(1)) [c](other.md) ![d](https://x.example/d.png)"))
    assert html.count("<a ") == 1 and 'href="https://x.example"' in html and "<img" not in html
