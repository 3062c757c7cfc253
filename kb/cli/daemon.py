"""`kb daemon start|stop|status`: the warm background process that answers the quick verbs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import click

from kb.cli.common import print_json
from kb.speed import daemon_client as client

T = TypeVar("T")
WAIT_SECONDS = 30.0
"""How long `start` and `stop` wait for the daemon to come up or go away."""


@click.group()
def command() -> None:
    """A warm background process for many quick commands in a row; none runs unless you start it.

    `kb daemon start` starts it. While it runs, `search`, `new`, `show`, `list` and `pickup`
    are handed to it: it has imported Python's libraries once, and runs each command in a fork
    of itself with your working folder, environment, stdin, stdout and stderr, so the output and
    exit status are the same. No command starts it by itself unless KB_DAEMON=on, with which
    the first quick command starts it in the background.

    It pays off over a session of many quick commands. It spares each the start of Python and
    its libraries: `kb new finding` with flags takes about 40 ms through it instead of 200 ms
    (two cores). A search, which starts on the standard library alone, gains from its watch of
    the records folders it searched (inotify), which spares listing and stating every record
    file: about 40 ms instead of 90 ms on 10,000 records, and no gain where the watch cannot
    vouch for the folder. A command now and then gains nothing worth a resident process.

    It stops after 20 minutes unused (KB_DAEMON_IDLE, seconds), on `kb daemon stop`, and when
    kb or its libraries change. KB_DAEMON=off never uses one; any other value names a separate
    daemon, which the first quick command starts as with `on`. `kb new` with prompts or --edit
    always runs in the foreground. Linux only.

    \b
    Examples:
      kb daemon start
      kb daemon status
      kb daemon stop
      KB_DAEMON=on kb search probe      the first quick command starts one
      KB_DAEMON=off kb search probe     one command without it
    """


@command.command()
def start() -> None:
    """Start the daemon in the background, unless one runs."""
    if client.address() is None:
        raise click.ClickException("the daemon is off here (KB_DAEMON=off, or not Linux)")
    client.start()
    status = _wait(lambda: client.control("status"))
    if status is None:
        raise click.ClickException(f"the daemon did not answer within {WAIT_SECONDS:g} s")
    click.echo(f"kb daemon running (pid {status['pid']}), stops after {status['idle_timeout']:g} s unused")


@command.command()
def stop() -> None:
    """Stop the daemon; commands already running finish."""
    status = client.control("stop")
    if status is None:
        click.echo("kb daemon: not running")
        return
    if _wait(lambda: None if client.control("status") else True) is None:
        raise click.ClickException(f"the daemon (pid {status['pid']}) is still running after {WAIT_SECONDS:g} s")
    click.echo(f"kb daemon stopped (pid {status['pid']}, served {status['served']} commands)")


@command.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Whether the daemon runs, since when, and how many commands it served; exit 1 if not running."""
    state = client.control("status")
    if as_json:
        print_json({"running": state is not None, **(state or {})})
    elif state is None:
        click.echo("kb daemon: not running")
    else:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(state["started"]))
        click.echo(
            f"kb daemon running: pid {state['pid']}, since {started}, served {state['served']} commands,"
            f" stops after {state['idle_timeout']:g} s unused"
        )
    ctx.exit(0 if state else 1)


def _wait(probe: Callable[[], T | None]) -> T | None:
    """Call `probe` until it returns something, for up to WAIT_SECONDS; that value or None."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = probe()
        if value is not None:
            return value
        time.sleep(0.05)
    return None
