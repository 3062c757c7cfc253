"""`kb schema --templates`: the names a template can use, read off the views, and enough to write one."""

from __future__ import annotations

from pathlib import Path

from kb.rendering.outputs import DEFAULTS
from kb.rendering.templatedoc import CONTEXT, VIEWS, attributes, templates_markdown
from tests.conftest import run_kb


def test_the_context_documented_is_the_context_rendered() -> None:
    assert {name for name, _, _ in CONTEXT} == {"kb", *DEFAULTS}


def test_every_attribute_of_every_view_says_what_it_is() -> None:
    undocumented = [f"{cls.__name__}.{name}" for cls, _ in VIEWS for name, _, meaning in attributes(cls) if not meaning]
    assert undocumented == []


def test_schema_templates_prints_the_reference(sample_kb: Path) -> None:
    result = run_kb(sample_kb, "schema", "--templates")
    assert result.exit_code == 0
    assert result.stdout == templates_markdown()
    for name in ("| `handover` | list[HandoverItem] |", "| `nested` |", "#### LastSession (kb.last_session)"):
        assert name in result.stdout


def test_a_template_written_from_the_reference_alone_renders(sample_kb: Path) -> None:
    """Only names the reference lists: a one-page hand-over a team might keep."""
    (sample_kb / "templates").mkdir()
    (sample_kb / "templates" / "brief.md.j2").write_text(
        "# {{ kb.last_session.audit.title | md }}\n\n{{ kb.last_session.summary | md }}\n\n"
        "{% for item in kb.handover %}{{ loop.index }}. {{ item.headline | md }} ({{ item.kind }}, "
        "{{ (item.priority.value if item.priority else 'unset') | md }})\n"
        "{{ loop.index | nested }}- {{ item.id | code }}\n"
        "{% endfor %}"
    )
    (sample_kb / "kb.toml").write_text('records = "data"\n[[outputs]]\ntemplate = "brief.md.j2"\npath = "BRIEF.md"\n')
    assert run_kb(sample_kb, "render").exit_code == 0
    brief = (sample_kb / "BRIEF.md").read_text()
    assert brief.startswith("# Production Ecosystem Audit Report\n\nIt resolved 10 findings")
    assert "1. Doppler provisioning (action, unset)\n    - `ACT-external-secrets-config-degraded-2pv7c`\n" in brief
