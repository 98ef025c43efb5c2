"""`nocdeck run WORKFLOW …` and `nocdeck retry ID`: plan, confirm, approval gate, execute.

The plan is shown first; `--yes` answers the confirmation prompt (it never approves
anything), and with no terminal and no `--yes` nothing is planned or recorded (exit 2).
Device dialogue and engine commentary stream as live log lines on stderr. Ctrl-C stops
starting devices; the ones running finish (or roll back); a second Ctrl-C quits at once.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from nocdeck.commands.common import CliState, echo_json, pass_state, run_hosted
from nocdeck.commands.plan import parse_inputs, print_device_plan, request_options
from nocdeck.config import Settings
from nocdeck.engine import events as ev
from nocdeck.engine.recovery import retry_targets
from nocdeck.engine.run import PreparedRun, run
from nocdeck.engine.runmodel import (
    Batches,
    CancelToken,
    FailureBudget,
    RunOptions,
    RunRequest,
    RunResult,
)
from nocdeck.errors import BadInput
from nocdeck.wording import counted
from nocdeck.workspace import open_workspace

STYLE = {"sent": "cyan", "received": "dim", "info": "yellow"}


FLUSH_SECONDS = 0.05
"""How long log lines wait to be printed together: 20 times a second reads as live, and a
200-device run makes one terminal write per interval instead of one per event-loop turn."""


class LivePrinter:
    """Engine events as log lines (Rich): lines sent and engine notes; what devices answer
    is in the record (`nocdeck show ID`). `quiet` (--json) keeps only the essentials.

    A 200-device run streams ~170,000 received lines: they are dropped before anything is
    formatted, and the lines shown are printed together every `FLUSH_SECONDS`. What a person
    must act on (approval, lock wait, canary), a run's end and `flush()` print at once.
    """

    def __init__(self, console: Console, *, quiet: bool) -> None:
        self.console = console
        self.quiet = quiet
        self.styled = console.is_terminal
        """To a file or pipe: plain lines, no Rich rendering at all."""
        self._pending: list[str] = []
        self._timer: asyncio.TimerHandle | None = None

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._pending:
            return
        if self.styled:
            self.console.print("\n".join(self._pending), highlight=False)
        else:
            self.console.file.write("".join(f"{line}\n" for line in self._pending))
            self.console.file.flush()
        self._pending.clear()

    def _mark(self, style: str, text: str) -> str:
        return f"[{style}]{text}[/]" if self.styled else text

    def _later(self, line: str) -> None:
        self._pending.append(line)
        if self._timer is not None:
            return
        try:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._due)
        except RuntimeError:  # no loop (a caller outside asyncio): print now
            self.flush()

    def _due(self) -> None:
        self._timer = None
        self.flush()

    def __call__(self, event: ev.EngineEvent) -> None:
        kind = type(event)
        quiet = self.quiet
        if kind is ev.LogLine:
            if quiet or event.direction == "received":  # type: ignore[attr-defined]
                return
        elif quiet and kind in (ev.StepFinished, ev.DeviceStatusChanged):
            return
        mark = self._mark
        if isinstance(event, ev.LogLine | ev.StepFinished | ev.DeviceStatusChanged):
            text = escape if self.styled else str
            who = f"{mark('bold', text(event.device))} " if event.device else ""
        if isinstance(event, ev.LogLine):
            marker = ">" if event.direction == "sent" else "#"
            self._later(f"{who}{mark(STYLE[event.direction], f'{marker} {text(event.text)}')}")
            return
        if isinstance(event, ev.StepFinished):
            colour = "green" if event.status == "completed" else "red" \
                if event.status == "failed" else "dim"
            self._later(f"{who}{mark(colour, f'step {text(event.step)}: {event.status}')}"
                        + (f" - {text(event.error)}" if event.error else ""))
            return
        if isinstance(event, ev.DeviceStatusChanged):
            if event.status not in ("running", "planned", "no_change"):
                self._later(f"{who}{event.status}")
            return
        if kind not in (ev.ApprovalNeeded, ev.LockWaiting, ev.CanaryDone, ev.RunFinished):
            return  # diffs are printed with the plan; the rest is in the record
        who = f"[bold]{escape(event.device)}[/] " if event.device else ""
        self.flush()  # what a person must see (approval, lock wait, canary) comes in order, now
        console = self.console
        if isinstance(event, ev.ApprovalNeeded):
            # soft_wrap: one line in a log or a pipe too, so the commands copy whole
            console.print(f"execution [bold]{event.execution_id}[/] awaits approval: "
                          f"nocdeck approve {event.execution_id} \\[--comment TEXT] | "
                          f"nocdeck reject {event.execution_id} --reason TEXT", soft_wrap=True)
        elif isinstance(event, ev.LockWaiting):
            console.print(f"{who}waiting: being changed by {escape(event.holder)} (execution "
                          f"{event.holder_execution or '-'}, since {event.since:%H:%M:%S} UTC)")
        elif isinstance(event, ev.CanaryDone):
            console.print(f"canary done on {', '.join(event.devices)}: {event.failed} failed")


def live_printer(console: Console, *, quiet: bool) -> LivePrinter:
    """The CLI's event sink: see `LivePrinter` (call `flush()` before printing anything
    else once the run is over)."""
    return LivePrinter(console, quiet=quiet)


def run_options(func: Any) -> Any:
    for option in reversed([
        click.option("--yes", "-y", is_flag=True,
                     help="Answer the confirmation prompts (never approves anything)."),
        click.option("--json", "as_json", is_flag=True, help="Print the result as JSON."),
        click.option("--concurrency", type=click.IntRange(1, 1000), default=None,
                     help="Devices read (plan) and changed at once (default: the settings' "
                     "concurrency)."),
        click.option("--canary", type=click.IntRange(0), default=0, metavar="N",
                     help="Change N devices first, then ask before the rest."),
        click.option("--batch", default=None, metavar="N|P%",
                     help="After the canary, change N devices at a time (or P% of those "
                     "left after it, rounded down, at least 1), each batch once the one "
                     "before has finished."),
        click.option("--max-fail", default="0", metavar="N|P%",
                     help="Stop starting devices once more than this failed, counted across "
                     "batches (default 0)."),
        click.option("--no-wait", is_flag=True,
                     help="When approval is needed, print the ID and exit 0 at once."),
        click.option("--lock", type=click.Choice(["wait", "refuse"]), default="wait",
                     help="A device another run is changing: wait for it, or refuse."),
        click.option("--lock-timeout", type=click.FloatRange(0), default=600.0,
                     metavar="SECONDS", help="How long --lock wait waits."),
        click.option("--lease", type=click.FloatRange(1), default=30.0, hidden=True,
                     help="Seconds this process's claim lasts unless renewed."),
    ]):
        func = option(func)
    return func


def build_options(concurrency: int | None, canary: int, batch: str | None, max_fail: str,
                  lock: str, lock_timeout: float, lease: float) -> RunOptions:
    return RunOptions(concurrency=concurrency, canary=canary, batch=Batches.parse(batch),
                      max_fail=FailureBudget.parse(max_fail),
                      lock="refuse" if lock == "refuse" else "wait", lock_timeout=lock_timeout,
                      lease_seconds=lease)


def ask(question: str, yes: bool) -> Callable[[Any], Any]:
    async def confirm(_: Any) -> bool:
        if yes:
            return True
        text = question if isinstance(_, PreparedRun) else str(_)
        return bool(await asyncio.to_thread(click.confirm, text, default=False, err=True))
    return confirm


def print_plan(prepared: PreparedRun) -> None:
    for device in prepared.plan.devices:
        print_device_plan(device)
    click.echo(f"run {prepared.execution_id}: {prepared.changes} of "
               f"{counted(len(prepared.plan.devices), 'device')} to change"
               + (" (approval required)" if prepared.approval_required else ""))


async def execute_request(settings: Settings, request: RunRequest, *, yes: bool, wait: bool,
                          as_json: bool, retry_of: str | None = None) -> RunResult:
    console = Console(stderr=True, highlight=False)
    sink = live_printer(console, quiet=as_json)
    cancel = CancelToken()
    loop = asyncio.get_running_loop()

    def interrupted() -> None:
        if cancel.cancelled:
            loop.remove_signal_handler(signal.SIGINT)
            signal.raise_signal(signal.SIGINT)
            return
        cancel.cancel("Ctrl-C")
        console.print("[yellow]Ctrl-C: no new device starts; running ones finish "
                      "(Ctrl-C again to quit now)[/]")

    async def confirm(prepared: PreparedRun) -> bool:
        sink.flush()  # the plan's log lines before the plan itself
        if not as_json:
            print_plan(prepared)
        return bool(await ask("Push these changes?", yes)(prepared))

    loop.add_signal_handler(signal.SIGINT, interrupted)
    try:
        async with open_workspace(settings) as ws:
            return await run(request, catalog=ws.need_catalog(), inventory=ws.need_inventory(),
                             store=ws.store, settings=settings, sink=sink, confirm=confirm,
                             confirm_canary=ask("", yes), wait=wait, cancel=cancel,
                             retry_of=retry_of)
    finally:
        sink.flush()
        loop.remove_signal_handler(signal.SIGINT)


def report(result: RunResult, as_json: bool) -> None:
    if as_json:
        echo_json(result.as_json())
    else:
        for device in result.devices:
            error = (device.error or "").removeprefix(f"{device.name}: ")
            detail = f": {error}" if error else ""
            click.echo(f"  {device.name}: {device.status}"
                       f"{', changed' if device.changed else ''}{detail}")
        click.echo(f"run {result.execution_id}: {result.status}"
                   + (f" - {result.error}" if result.error else ""))
    if result.failed:
        sys.exit(1)


def need_terminal(yes: bool) -> None:
    if not yes and not sys.stdin.isatty():
        raise BadInput("no terminal to confirm on: review with `nocdeck plan`, then pass --yes")


@click.command("run")
@click.argument("workflow")
@request_options
@run_options
@pass_state
def run_command(state: CliState, workflow: str, inputs: tuple[str, ...],
                devices: tuple[str, ...], filters: tuple[str, ...], ticket: str | None,
                reason: str | None, yes: bool, as_json: bool, concurrency: int | None,
                canary: int, batch: str | None, max_fail: str, no_wait: bool, lock: str,
                lock_timeout: float, lease: float) -> None:
    """Plan WORKFLOW, confirm, wait for approval if needed, push, and record it all."""
    need_terminal(yes)
    options = build_options(concurrency, canary, batch, max_fail, lock, lock_timeout, lease)
    request = RunRequest(workflow, parse_inputs(inputs), devices, filters,
                         requested_by=state.settings.user, ticket=ticket, reason=reason,
                         options=options)
    result = run_hosted(state.settings, execute_request(state.settings, request, yes=yes,
                                                        wait=not no_wait, as_json=as_json))
    report(result, as_json)


@click.command("retry")
@click.argument("execution_id")
@run_options
@pass_state
def retry_command(state: CliState, execution_id: str, yes: bool, as_json: bool,
                  concurrency: int | None, canary: int, batch: str | None, max_fail: str,
                  no_wait: bool, lock: str, lock_timeout: float, lease: float) -> None:
    """Re-plan a failed or interrupted run on the devices it did not finish; what is already
    in place is not pushed again."""

    async def go() -> RunResult:
        async with open_workspace(state.settings) as ws:
            base, names = await retry_targets(ws.store, execution_id)
            workflow = ws.need_catalog().workflow(base.workflow)
        need_terminal(yes)  # after the ID: an unknown or finished run is said first
        device_inputs = workflow.device_inputs
        inputs = {key: [v for v in value if v in names]
                  if key in device_inputs and isinstance(value, list) else value
                  for key, value in base.inputs.items()}
        request = RunRequest(base.workflow, inputs,
                             devices=() if device_inputs else tuple(names),
                             requested_by=state.settings.user, ticket=base.ticket,
                             reason=base.reason,
                             options=build_options(concurrency, canary, batch, max_fail,
                                                   lock, lock_timeout, lease))
        return await execute_request(state.settings, request, yes=yes, wait=not no_wait,
                                     as_json=as_json, retry_of=execution_id)

    report(run_hosted(state.settings, go()), as_json)
