"""`kb new KIND`: record a finding, lesson, action or audit by flags, prompts or `$EDITOR`.

The flags of each kind are built from its model's fields, so they never drift from the schema.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kb.check.diagnostics import Code
from kb.cli.common import UsageError, config, print_json
from kb.store import inputs
from kb.store.layout import MAX_RECORD_BYTES

if TYPE_CHECKING:
    from kb.store.catalog import Catalog

NEW_KINDS = ("finding", "lesson", "action", "audit")
JSON_BYTES = 64 * inputs.MiB
"""Largest JSON `kb new --json` reads: a list of many records."""

EXAMPLES = {
    "finding": """\
      kb new finding --title "Grafana CrashLoopBackOff" --severity high \\
          --component grafana --root-cause "init container OOM" --commit 9a96a77 --tag monitoring
      kb new finding                      # on a terminal: asks for what is missing
      kb new finding --edit               # $EDITOR on a commented scaffold
      echo '{"title": "Disk pressure", "severity": "high"}' | kb new finding --json -""",
    "lesson": """\
      kb new lesson --title "Helm hook deadlocks" --rule "Never make a hook wait on its own release" \\
          --finding F-kyverno-cronjob-deadlock-8fs4k --tag helm""",
    "action": """\
      kb new action --title "Upgrade monitoring stack" --todo "Move to kube-prometheus-stack 60" \\
          --priority P2 --finding F-grafana-crashloopbackoff-7hd3x""",
    "audit": """\
      kb new audit --title "Weekly cluster audit" --trigger "scheduled" \\
          --description "k3s production cluster" --nodes 2""",
}


class NewGroup(click.Group):
    """Builds a kind's command (and imports pydantic) only when that kind is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(NEW_KINDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return kind_command(cmd_name) if cmd_name in NEW_KINDS else None


def kind_command(kind: str) -> click.Command:
    from kb.author.create import MODELS, RECORDED_ON
    from kb.records.fields import form_fields

    forms = form_fields(MODELS[kind])
    params: list[click.Parameter] = []
    for form in forms:
        text = form.description + (" Repeatable." if form.many else "")
        if form.path[-1] in ("audit", "finding", "findings", "actions", "recurrence_of"):
            text += " The start of an ID only one record has will do."
        if form.path[-1] == "audit":
            text += " Default: the latest audit (by start date)."
        elif form.path == (RECORDED_ON.get(kind),):
            text += " Default: today."
        elif form.required:
            text += " Required."
        params.append(
            click.Option(
                [form.flag, form.param],
                multiple=form.many,
                type=click.Choice(form.choices) if form.choices else None,
                metavar={"date": "DATE", "int": "N"}.get(form.scalar),
                help=text,
            )
        )
    params += [
        click.Option(["--edit", "-e"], is_flag=True, help="Write the record in $EDITOR, on a commented scaffold."),
        click.Option(
            ["--from", "from_file"],
            type=click.Path(dir_okay=False, exists=True, path_type=Path),
            help="Open the editor on this file instead of a scaffold (e.g. a recovery file).",
        ),
        click.Option(["--no-input"], is_flag=True, help="Never prompt, even on a terminal."),
        click.Option(
            ["--interactive", "-i"],
            is_flag=True,
            help="Prompt (with --edit: reopen the editor on an invalid record) even when stdin is not a terminal.",
        ),
        click.Option(
            ["--json", "json_source"],
            is_flag=False,
            flag_value="",
            metavar="[-|FILE]",
            help="Print the new record as JSON. With - (or FILE): read the record, or a list of them, as JSON "
            "from stdin (or FILE) instead of flags; all are checked before any is written.",
        ),
    ]
    audit_default = "" if kind == "audit" else " --audit defaults to the latest audit by start date."
    help_text = f"""Record a new {kind}; prints its ID and file.

    Give fields as flags, let kb ask for the rest on a terminal, write it in $EDITOR with
    --edit, or pass it as JSON with --json - (for scripts and agents). The record is validated,
    and the IDs it names are checked, before anything is written; a new file never replaces an
    existing one.{audit_default}

    \b
    Examples:
{EXAMPLES[kind]}
    """
    return click.Command(kind, params=params, callback=functools.partial(run, kind), help=help_text)


def _flag_problem(problem: Any, flags: dict[str, str]) -> str:
    name = ".".join(part for part in problem.field.split(".") if not part.isdigit())
    flag = flags.get(name, name)
    if problem.code == Code.E202 and "kb new audit" not in problem.message:
        return f"{flag} is required"
    return f"{flag}: {problem.message}"


def run(
    kind: str,
    edit: bool,
    from_file: Path | None,
    no_input: bool,
    interactive: bool,
    json_source: str | None,
    **raw: Any,
) -> None:
    from kb.author.create import (
        MODELS,
        Created,
        RecordProblems,
        build,
        edit_new,
        recurrence_hints,
        save,
        summary,
        with_defaults,
    )
    from kb.author.editor import EditAborted
    from kb.records.fields import form_fields, set_value
    from kb.records.models import Finding
    from kb.store.catalog import Catalog
    from kb.store.loader import relative

    ctx = click.get_current_context()
    cfg = config(ctx)
    catalog = Catalog(cfg)
    forms = form_fields(MODELS[kind])
    given = {f.path: raw[f.param] for f in forms if raw.get(f.param) not in (None, ())}
    if json_source:
        if given or edit or from_file or interactive:
            raise UsageError("--json - takes the whole record as JSON: give no field flags, --edit, --from or -i", ctx)
        create_from_json(kind, json_source, catalog)
        return
    values: dict[str, Any] = {}
    for path, value in given.items():
        set_value(values, path, list(value) if isinstance(value, tuple) else value)
    values = with_defaults(kind, values, catalog, dt.date.today())
    editing = edit or from_file is not None
    prompting = not editing and (interactive or (not no_input and sys.stdin.isatty()))
    try:
        if editing:
            text = inputs.read_text(from_file, MAX_RECORD_BYTES) if from_file else None
            record = edit_new(kind, values, catalog, text, reopen=interactive or sys.stdin.isatty())
        else:
            if prompting:
                from kb.cli.prompts import ask

                values = ask(kind, forms, set(given), values, catalog)
            record = build(kind, values, catalog, "<command line>")
    except EditAborted as err:
        for line in err.problems:
            click.echo(f"kb new {kind}: {line}", err=True)
        click.echo(f"kb new: {err.reason}; nothing was saved.", err=True)
        click.echo(f"Your text is kept in {err.recovery}", err=True)
        click.echo(f"Resume with: kb new {kind} --from {err.recovery}", err=True)
        ctx.exit(1)
    except RecordProblems as err:
        flags = {f.name: f.flag for f in forms}
        for problem in err.problems:
            click.echo(f"kb new {kind}: {_flag_problem(problem, flags)}", err=True)
        click.echo("Nothing was saved.", err=True)
        ctx.exit(1)
    hints = recurrence_hints(record, catalog)
    if hints and isinstance(record, Finding) and record.recurrence_of is None:
        best = hints[0]
        question = f"This looks like {best.id} ({best.title!r}): {best.reason}. Record it as a recurrence?"
        if prompting:  # asked now, so not repeated below whatever the answer
            if click.confirm(question, err=True):
                record = record.model_copy(update={"recurrence_of": best.id})
            hints = hints[1:]
    record, file = save(record, catalog)
    where = relative(cfg, file)
    for hint in hints:
        click.echo(f"{hint.advice(where)} (or pass --recurrence-of {hint.id} next time).", err=True)
    if json_source is not None:
        print_json(summary(Created(record, file, hints), cfg))
    else:
        click.echo(f"Created {kind} {record.id}: {where}")


def create_from_json(kind: str, source: str, catalog: Catalog) -> None:
    """`kb new KIND --json -`: one record (an object) or several (a list) from JSON, all valid or none written."""
    import json

    from kb.author.create import RecordProblems, create_all, summary

    ctx = click.get_current_context()
    name = "<stdin>" if source == "-" else source
    try:
        data = json.loads(inputs.read_text(source, JSON_BYTES))
    except (OSError, ValueError, RecursionError) as err:
        why = err.strerror if isinstance(err, OSError) else err if isinstance(err, ValueError) else "nested too deeply"
        click.echo(f"kb new {kind}: {name}: cannot read JSON: {why}", err=True)
        click.echo("Nothing was saved.", err=True)
        ctx.exit(1)
    try:
        created = create_all(kind, data if isinstance(data, list) else [data], catalog, name)
    except RecordProblems as err:
        for problem in err.problems:
            where = f"{problem.field}: " if problem.field else ""
            click.echo(f"kb new {kind}: {problem.file}: {where}{problem.message} ({problem.code})", err=True)
        click.echo("Nothing was saved.", err=True)
        ctx.exit(1)
    results = [summary(one, catalog.config) for one in created]
    for result in results:
        for warning in result["warnings"]:
            click.echo(warning, err=True)
    print_json(results if isinstance(data, list) else results[0])


command = NewGroup(
    name="new",
    help="""Record a new finding, lesson, action or audit.

    \b
    Examples:
      kb new finding --title "Grafana CrashLoopBackOff" --severity high --component grafana
      kb new finding --edit
      kb new action --help        the fields of an action, one flag each
    """,
)
