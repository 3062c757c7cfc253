"""The escaping filter's additions for the site: link text in cells and brackets, inert fences."""

from __future__ import annotations

import markdown as python_markdown
import pytest

from kb.markdown import cell, escape, link

FENCES = {"extensions": ["tables", "pymdownx.superfences"]}


def _html(text: str) -> str:
    return python_markdown.markdown(text, **FENCES)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("```mermaid\ngraph TD; A-->B\n```", "```text\ngraph TD; A-->B\n```"),
        ("```{.mermaid}\ngraph\n```", "```text\ngraph\n```"),
        ("```python\nx = 1\n```", "```python\nx = 1\n```"),
        ("```\nplain\n```", "```\nplain\n```"),
        ("~~~mermaid\ngraph\n~~~", "&#126;~~mermaid\ngraph\n&#126;~~"),
        ("one ```span``` inline", "one ```span``` inline"),
    ],
)
def test_fences_from_records_never_run(text: str, expected: str) -> None:
    assert escape(text) == expected
    assert 'class="mermaid"' not in _html(escape(text))


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
