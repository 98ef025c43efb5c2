"""`nocdeck plan WORKFLOW --input k=v …`: render and diff on every target; change nothing."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from nocdeck.commands.common import CliState, echo_json, pass_state, run_async
from nocdeck.engine import events as ev
from nocdeck.engine.plan import DevicePlan, PlanRequest, PlanResult, plan
from nocdeck.engine.retry import is_retry_note
from nocdeck.errors import BadInput
from nocdeck.wording import counted
from nocdeck.workspace import open_workspace


def parse_inputs(items: Sequence[str]) -> dict[str, Any]:
    """`["device=r1", "vlan=20"]` -> a mapping; values are coerced later by the schema."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"--input {item!r}: expected NAME=VALUE (e.g. --input device=r1)")
        out[key.strip()] = value
    return out


def request_options(func: Any) -> Any:
    """The options `plan` and `run` share: inputs, targets, ticket and reason."""
    for option in reversed([
        click.option("--input", "-i", "inputs", multiple=True, metavar="NAME=VALUE",
                     help="A workflow input (repeatable); values are checked by its schema."),
        click.option("--device", "-d", "devices", multiple=True, metavar="NAME|GLOB",
                     help="Target devices, for workflows with no device input (repeatable)."),
        click.option("--filter", "filters", multiple=True, metavar="KEY=VALUE",
                     help="Target devices by attribute (role, site, platform, tag…)."),
        click.option("--ticket", metavar="ID", help="The change ticket this run belongs to."),
        click.option("--reason", metavar="TEXT", help="Why this change is made."),
    ]):
        func = option(func)
    return func


def print_device_plan(device: DevicePlan) -> None:
    if device.error:
        click.secho(f"== {device.name} ({device.platform}): FAILED: {device.error}", fg="red")
        return
    if not device.changed:
        click.secho(f"== {device.name} ({device.platform}): no change", fg="green")
        return
    out = [click.style(f"== {device.name} ({device.platform}): +{device.added} "
                       f"-{device.removed}, {counted(len(device.lines_to_push), 'line')} to push",
                       bold=True)]
    for line in device.diff.splitlines():
        colour = ("green" if line.startswith("+") and not line.startswith("+++") else
                  "red" if line.startswith("-") and not line.startswith("---") else
                  "cyan" if line.startswith("@@") else None)
        out.append(click.style(line, fg=colour) if colour else line)
    out.append("lines to push:")
    out += [f"  {line}" for line in device.lines_to_push]
    click.echo("\n".join(out))  # one write per device: a 200-device plan is ~10,000 lines


def print_summary(result: PlanResult) -> None:
    changed = sum(1 for d in result.devices if d.changed)
    unchanged = sum(1 for d in result.devices if d.status == "no_change")
    click.echo(f"plan {result.execution_id} ({result.workflow} {result.workflow_version}, "
               f"catalog {result.catalog_revision}): {counted(len(result.devices), 'device')}, "
               f"{changed} to change, {unchanged} no change, {len(result.failed)} failed")


@click.command("plan")
@click.argument("workflow")
@request_options
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (docs/cli.md).")
@pass_state
def plan_command(state: CliState, workflow: str, inputs: tuple[str, ...],
                 devices: tuple[str, ...], filters: tuple[str, ...], ticket: str | None,
                 reason: str | None, as_json: bool) -> None:
    """Show what WORKFLOW would change on each device. No device is changed."""
    request = PlanRequest(workflow=workflow, inputs=parse_inputs(inputs), devices=devices,
                          filters=filters, requested_by=state.settings.user, ticket=ticket,
                          reason=reason)

    def show_progress(event: ev.EngineEvent) -> None:
        if as_json:
            return
        if isinstance(event, ev.RunStarted):
            click.echo(f"planning {event.workflow} on {counted(len(event.devices), 'device')}…",
                       err=True)
        elif (isinstance(event, ev.LogLine) and event.direction == "info"
              and is_retry_note(event.text)):
            click.echo(f"{event.device} # {event.text}", err=True)  # as `nocdeck run` shows it

    async def go() -> PlanResult:
        async with open_workspace(state.settings) as ws:
            return await plan(request, catalog=ws.need_catalog(),
                              inventory=ws.need_inventory(), store=ws.store,
                              settings=state.settings, sink=show_progress)

    result = run_async(go())
    if as_json:
        echo_json(result.as_json())
    else:
        for device in result.devices:
            print_device_plan(device)
        print_summary(result)
    if result.failed:
        sys.exit(1)
