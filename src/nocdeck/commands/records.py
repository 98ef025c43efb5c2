"""`nocdeck executions`, `nocdeck show ID` and `nocdeck db upgrade`: read the audit store.

These need no inventory and no catalog, only the store, so an auditor can read the records
from any jump host that reaches it. The `--json` shapes are documented in docs/cli.md.
`executions` and `show` first mark runs whose process died `interrupted`, so a dead run
never reads as `running`; reading its devices back needs the inventory, and is left to the
next command that has it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from nocdeck.commands.common import CliState, echo_json, pass_state, run_async
from nocdeck.errors import StoreError
from nocdeck.store import (
    DeviceRecord,
    DeviceStatus,
    EventRecord,
    ExecutionDetail,
    ExecutionKind,
    ExecutionRecord,
    ExecutionStatus,
    SchemaUpgrade,
    StepRecord,
    Store,
)
from nocdeck.store.when import parse_when
from nocdeck.wording import input_text

NOT_READ_BACK = ("not read back yet: the next nocdeck command that reaches devices (plan, "
                 "run, approve, retry, backup, ssh, the TUI) reads it back")
"""What `show` says of an interrupted device whose outcome is not recorded yet."""


async def mark_dead_runs(store: Store) -> None:
    """Mark runs whose owner's lease ran out `interrupted` before reading them. A store that
    refuses the write (an auditor's read-only role) is still read: one note on stderr."""
    try:
        await store.mark_interrupted()
    except StoreError as exc:
        click.echo(f"note: runs whose process stopped still show as running: could not mark "
                   f"them interrupted ({exc})", err=True)


def iso(moment: dt.datetime | None) -> str | None:
    """A UTC timestamp as JSON shows it: `2026-11-24T04:07:50.047317Z`."""
    return None if moment is None else moment.astimezone(dt.UTC).isoformat().replace(
        "+00:00", "Z")


def short_time(moment: dt.datetime | None) -> str:
    return "-" if moment is None else f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S}Z"


def execution_listing_json(record: ExecutionRecord) -> dict[str, Any]:
    return {
        "id": record.id, "kind": record.kind, "workflow": record.workflow,
        "status": record.status, "requested_by": record.requested_by,
        "approved_by": record.approved_by, "created_at": iso(record.created_at),
        "finished_at": iso(record.finished_at),
        "devices": [{"name": d.name, "status": str(d.status), "changed": d.changed}
                    for d in record.devices],
    }


def _device_json(device: DeviceRecord) -> dict[str, Any]:
    return {
        "name": device.name, "status": device.status, "changed": device.changed,
        "outcome": device.outcome, "diff": device.diff,
        "lines_to_push": list(device.lines_to_push), "pushed_lines": list(device.pushed_lines),
        "dialogue": device.dialogue, "backup_before_id": device.backup_before_id,
        "backup_after_id": device.backup_after_id, "error": device.error,
        "started_at": iso(device.started_at), "finished_at": iso(device.finished_at),
    }


def _step_json(step: StepRecord) -> dict[str, Any]:
    return {
        "order": step.order, "name": step.name, "step_type": step.step_type,
        "device": step.device, "status": step.status, "implementation": step.implementation,
        "rendered_content": step.rendered_content, "inputs": step.inputs,
        "outputs": step.outputs, "error": step.error, "attempts": step.attempts,
        "started_at": iso(step.started_at), "finished_at": iso(step.finished_at),
    }


def execution_detail_json(detail: ExecutionDetail, events: list[EventRecord]
                          ) -> dict[str, Any]:
    record = detail.execution
    return {
        "id": record.id, "kind": record.kind, "workflow": record.workflow,
        "workflow_version": record.workflow_version,
        "catalog_revision": record.catalog_revision, "status": record.status,
        "inputs": dict(record.inputs), "requested_by": record.requested_by,
        "approved_by": record.approved_by, "approved_at": iso(record.approved_at),
        "approval_comment": record.approval_comment, "rejected_by": record.rejected_by,
        "rejected_reason": record.rejected_reason, "ticket": record.ticket,
        "reason": record.reason, "owner": record.owner, "created_at": iso(record.created_at),
        "scheduled_for": iso(record.scheduled_for), "started_at": iso(record.started_at),
        "finished_at": iso(record.finished_at), "error": record.error,
        "devices": [_device_json(d) for d in detail.devices],
        "steps": [_step_json(s) for s in detail.steps],
        "events": [{"seq": e.seq, "at": iso(e.at), "type": e.type, "payload": dict(e.payload)}
                   for e in events],
    }


@click.command("executions")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (docs/cli.md).")
@click.option("--workflow", metavar="SLUG", help="Only executions of this workflow.")
@click.option("--status", type=click.Choice([s.value for s in ExecutionStatus]),
              help="Only executions in this status.")
@click.option("--kind", type=click.Choice([k.value for k in ExecutionKind]),
              help="Only plans or only runs.")
@click.option("--device", metavar="NAME|GLOB", help="Only executions that targeted it.")
@click.option("--user", metavar="NAME|GLOB",
              help="Only executions requested by this user ('alice*': any case).")
@click.option("--since", metavar="WHEN",
              help="Only executions created at or after WHEN (2026-11-24, 2026-11-24T10:30 "
                   "UTC, or an age: 2h, 3d).")
@click.option("--until", metavar="WHEN",
              help="Only executions created before WHEN (a bare date includes that day).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True,
              help="How many to show (newest first).")
@click.option("--offset", type=click.IntRange(0), default=0, help="Skip this many first.")
@pass_state
def executions(state: CliState, as_json: bool, workflow: str | None, status: str | None,
               kind: str | None, device: str | None, user: str | None, since: str | None,
               until: str | None, limit: int, offset: int) -> None:
    """List plans and runs in the audit store, newest first."""
    after = parse_when(since, what="--since") if since else None
    before = parse_when(until, what="--until", end_of_day=True) if until else None

    async def fetch() -> tuple[str, list[ExecutionRecord]]:
        async with await Store.open(state.settings.effective_store_url) as store:
            await mark_dead_runs(store)
            found = await store.list_executions(workflow=workflow, status=status, kind=kind,
                                                device=device, requested_by=user,
                                                since=after, until=before, limit=limit,
                                                offset=offset)
            return store.url, found

    url, found = run_async(fetch())
    if as_json:
        echo_json([execution_listing_json(record) for record in found])
        return
    if not found:
        click.echo(f"no executions in store at {url}")
        return
    rows = [("ID", "KIND", "WORKFLOW", "STATUS", "DEVICES", "REQUESTED BY", "CREATED")]
    for record in found:
        changed = sum(1 for d in record.devices if d.changed)
        rows.append((record.id, record.kind, record.workflow, record.status,
                     f"{len(record.devices)} ({changed} changed)", record.requested_by,
                     short_time(record.created_at)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                   .rstrip())


def _indent(text: str, prefix: str = "      ") -> str:
    return "".join(prefix + line for line in text.splitlines(keepends=True)).rstrip("\n")


def _print_detail(detail: ExecutionDetail) -> None:
    record = detail.execution
    version = f" v{record.workflow_version}" if record.workflow_version else ""
    click.echo(f"Execution {record.id}: {record.kind} of {record.workflow}{version}")
    lines = [
        ("Status", record.status),
        ("Catalog", record.catalog_revision or "-"),
        ("Requested by", f"{record.requested_by} at {short_time(record.created_at)}"),
        ("Approved by", f"{record.approved_by} at {short_time(record.approved_at)}"
         + (f": {record.approval_comment}" if record.approval_comment else "")
         if record.approved_by else None),
        ("Rejected by", f"{record.rejected_by}: {record.rejected_reason}"
         if record.rejected_by else None),
        ("Ticket", record.ticket), ("Reason", record.reason),
        ("Started", short_time(record.started_at) if record.started_at else None),
        ("Finished", short_time(record.finished_at) if record.finished_at else None),
        ("Inputs", ", ".join(f"{k}={input_text(v)}" for k, v in record.inputs.items()) or "-"),
        ("Error", record.error),
    ]
    for label, value in lines:
        if value is not None:
            click.echo(f"  {label + ':':<14}{value}")
    click.echo(f"Devices ({len(detail.devices)}):")
    for device in detail.devices:
        notes = ["changed" if device.changed else
                 "no change" if device.status == DeviceStatus.NO_CHANGE else "nothing pushed"]
        if device.outcome:
            notes.append(f"after interruption: {device.outcome.replace('_', ' ')}")
        elif device.status == DeviceStatus.INTERRUPTED:
            notes = [NOT_READ_BACK]
        click.echo(f"  {device.name}  {device.status}  ({', '.join(notes)})")
        if device.error:
            click.echo(f"    error: {device.error}")
        if device.diff:
            click.echo(_indent(device.diff, "    "))
    if detail.steps:
        # A plan renders and diffs its steps but runs none: "pending" would read as stuck.
        plan = detail.execution.kind == "plan"
        click.echo(f"Steps ({len(detail.steps)}"
                   + ("; rendered and diffed, a plan runs none" if plan else "") + "):")
        for step in detail.steps:
            where = f" on {step.device}" if step.device else ""
            tries = f", {step.attempts} attempts" if step.attempts > 1 else ""
            status = "" if plan and step.status == "pending" else f": {step.status}{tries}"
            click.echo(f"  {step.order}. {step.name} [{step.step_type}]{where}{status}")
            if step.error:
                click.echo(f"     error: {step.error}")


@click.command("show")
@click.argument("execution_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object (docs/cli.md).")
@pass_state
def show(state: CliState, execution_id: str, as_json: bool) -> None:
    """Show one execution: who, what, each device's diff and outcome, each step."""

    async def fetch() -> tuple[ExecutionDetail, list[EventRecord]]:
        async with await Store.open(state.settings.effective_store_url) as store:
            await mark_dead_runs(store)
            full_id = await store.resolve_execution_id(execution_id)
            detail = await store.get_execution(full_id)
            events: list[EventRecord] = []
            while True:
                page = await store.list_events(full_id, after_seq=events[-1].seq if events
                                               else 0)
                events.extend(page)
                if len(page) < 1000:
                    return detail, events

    detail, events = run_async(fetch())
    if as_json:
        echo_json(execution_detail_json(detail, events))
    else:
        _print_detail(detail)


@click.group("db")
def db_group() -> None:
    """Look after the audit store's database."""


@db_group.command("upgrade")
@pass_state
def upgrade(state: CliState) -> None:
    """Migrate the store to this nocdeck's schema (a new store is also migrated on first use)."""

    async def migrate() -> tuple[str, SchemaUpgrade]:
        async with await Store.open(state.settings.effective_store_url) as store:
            return store.url, store.schema

    url, schema = run_async(migrate())
    if schema.changed:
        click.echo(f"store at {url}: schema upgraded from {schema.before or 'empty'} "
                   f"to {schema.after}")
    else:
        click.echo(f"store at {url}: schema is up to date (revision {schema.after})")
