"""`nocdeck approve ID`, `nocdeck reject ID --reason`, `nocdeck cancel ID`: decisions on a run
from any process. When the requester no longer waits, the approver's process executes the
approved run (exactly one process does: the store's compare-and-set decides)."""

from __future__ import annotations

import click
from rich.console import Console

from nocdeck.commands.common import CliState, echo_json, pass_state, run_async, run_hosted
from nocdeck.commands.run import live_printer, report
from nocdeck.engine import approvals
from nocdeck.engine.run import execute_approved, result_of
from nocdeck.engine.runmodel import RunResult
from nocdeck.store import Store
from nocdeck.workspace import open_workspace


@click.command("approve")
@click.argument("execution_id")
@click.option("--comment", default="", help="Why it is approved (kept in the record).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_state
def approve(state: CliState, execution_id: str, comment: str, as_json: bool) -> None:
    """Approve a run awaiting approval; it runs in the requester's process if it still waits,
    else here."""
    settings = state.settings

    async def go() -> RunResult:
        async with open_workspace(settings) as ws:
            decision = await approvals.approve(
                ws.store, execution_id, by=settings.user, comment=comment,
                catalog=ws.need_catalog(),
                allow_self=settings.allow_self_approval)
            click.echo(f"approved {execution_id} as {settings.user}"
                       + (" - the requester's process runs it" if decision.requester_waiting
                          else " - running it here"), err=True)
            printer = live_printer(Console(stderr=True), quiet=as_json)
            try:
                return await execute_approved(
                    execution_id, catalog=ws.need_catalog(), inventory=ws.need_inventory(),
                    store=ws.store, settings=settings, sink=printer,
                    grace=5.0 if decision.requester_waiting else 0.0)
            finally:
                printer.flush()

    result = run_hosted(state.settings, go())
    if result.status in ("running", "pending"):
        click.echo(f"run {execution_id}: {result.status} in the requester's process")
        return
    report(result, as_json)


async def _with_store(settings_url: str) -> Store:
    return await Store.open(settings_url)


@click.command("reject")
@click.argument("execution_id")
@click.option("--reason", default="", help="Why it is rejected (required).")
@pass_state
def reject(state: CliState, execution_id: str, reason: str) -> None:
    """Reject a run awaiting approval: it never pushes."""
    async def go() -> None:
        async with await _with_store(state.settings.effective_store_url) as store:
            await approvals.reject(store, execution_id, by=state.settings.user, reason=reason)

    run_async(go())
    click.echo(f"rejected {execution_id} as {state.settings.user}: {reason}")


@click.command("cancel")
@click.argument("execution_id")
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON.")
@pass_state
def cancel(state: CliState, execution_id: str, as_json: bool) -> None:
    """Cancel a run: no new device starts; running ones finish or roll back."""
    async def go() -> RunResult:
        async with await _with_store(state.settings.effective_store_url) as store:
            record = await approvals.cancel(store, execution_id, by=state.settings.user)
            if record.status == "running":
                click.echo(f"asked the process running {execution_id} to stop starting "
                           "devices", err=True)
            return await result_of(store, execution_id)

    result = run_async(go())
    if as_json:
        echo_json(result.as_json())
    else:
        click.echo(f"run {execution_id}: {result.status}")
