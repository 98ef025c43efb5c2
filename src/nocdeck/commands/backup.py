"""`nocdeck backup DEVICE…|--all`, `nocdeck backups [DEVICE]`, `nocdeck backups diff ID1 ID2`."""

from __future__ import annotations

import sys
from typing import Any

import click

from nocdeck.commands.common import CliState, echo_json, pass_state, run_async
from nocdeck.commands.records import iso, short_time
from nocdeck.engine.backup import BackupOutcome, backup_devices
from nocdeck.engine.configtext import PLATFORMS, normalise
from nocdeck.engine.diff import diff_text
from nocdeck.errors import BadInput
from nocdeck.inventory.models import Device, Inventory
from nocdeck.store import BackupRecord, BackupSummary
from nocdeck.workspace import open_workspace


def choose(inventory: Inventory, patterns: tuple[str, ...], everything: bool) -> list[Device]:
    if everything == bool(patterns):
        raise BadInput("name the devices to back up (names or globs), or pass --all")
    if everything:
        return list(inventory)
    chosen: dict[str, Device] = {}
    for pattern in patterns:
        matched = inventory.select(pattern)
        if not matched:
            raise BadInput(f"backup: {pattern!r} matches no device in the inventory")
        chosen.update((d.name, d) for d in matched)
    return [d for d in inventory if d.name in chosen]


@click.command("backup")
@click.argument("devices", nargs=-1, metavar="DEVICE…")
@click.option("--all", "everything", is_flag=True, help="Back up every inventory device.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome per device as JSON.")
@pass_state
def backup_command(state: CliState, devices: tuple[str, ...], everything: bool,
                   as_json: bool) -> None:
    """Store the running config of each DEVICE (names or globs) as a backup, concurrently."""
    async def go() -> list[BackupOutcome]:
        async with open_workspace(state.settings, catalog=False) as ws:
            targets = choose(ws.need_inventory(), devices, everything)
            return await backup_devices(targets, settings=state.settings, store=ws.store)

    outcomes = run_async(go())
    if as_json:
        echo_json([{"device": o.device, "backup_id": o.backup.id if o.backup else None,
                    "sha256": o.backup.sha256 if o.backup else None, "error": o.error}
                   for o in outcomes])
    else:
        for outcome in outcomes:
            if outcome.backup:
                lines = outcome.backup.config.count("\n")
                click.echo(f"{outcome.device}: backup {outcome.backup.id} ({lines} lines, "
                           f"sha256 {outcome.backup.sha256[:12]})")
            else:
                click.secho(f"{outcome.device}: FAILED: {outcome.error}", fg="red", err=True)
    if any(o.error for o in outcomes):
        sys.exit(1)


def comparable(backup: BackupRecord) -> str:
    """The backup as the config parser sees it (no `Current configuration : N bytes`
    header, Junos in set form), so a diff shows config changes, not noise."""
    platform = str(backup.facts.get("platform", ""))
    if platform in PLATFORMS:
        return normalise(platform, backup.config)
    return backup.config


def _summary_json(item: BackupSummary) -> dict[str, Any]:
    return {"id": item.id, "device": item.device, "method": item.method,
            "taken_at": iso(item.taken_at), "sha256": item.sha256,
            "execution_id": item.execution_id}


def _parse_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise BadInput(f"backups diff: {text!r} is not a backup id (see: nocdeck backups)"
                       ) from None


@click.command("backups")
@click.argument("args", nargs=-1, metavar="[DEVICE] | diff ID1 ID2")
@click.option("--limit", default=50, show_default=True, help="How many to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (docs/cli.md).")
@pass_state
def backups_command(state: CliState, args: tuple[str, ...], limit: int, as_json: bool) -> None:
    """List stored backups (newest first), or diff two of them: `backups diff ID1 ID2`."""
    if args and args[0] == "diff":
        if len(args) != 3:
            raise BadInput("usage: nocdeck backups diff ID1 ID2")
        first, second = _parse_id(args[1]), _parse_id(args[2])

        async def pair() -> tuple[BackupRecord, BackupRecord]:
            async with open_workspace(state.settings, catalog=False, inventory=False) as ws:
                return await ws.store.get_backup(first), await ws.store.get_backup(second)

        a, b = run_async(pair())
        diff = diff_text(comparable(a), comparable(b))
        text = diff.unified(fromfile=f"{a.device} backup {a.id} {short_time(a.taken_at)}",
                            tofile=f"{b.device} backup {b.id} {short_time(b.taken_at)}")
        if as_json:
            echo_json({"from": a.id, "to": b.id, "added": diff.added, "removed": diff.removed,
                       "diff": text})
        else:
            click.echo(text or f"backups {a.id} and {b.id} are identical")
        return
    if len(args) > 1:
        raise BadInput("usage: nocdeck backups [DEVICE] | nocdeck backups diff ID1 ID2")
    device = args[0] if args else None

    async def listing() -> list[BackupSummary]:
        async with open_workspace(state.settings, catalog=False, inventory=False) as ws:
            return await ws.store.list_backups(device, limit=limit)

    items = run_async(listing())
    if as_json:
        echo_json([_summary_json(item) for item in items])
        return
    if not items:
        click.echo(f"no backups{' of ' + device if device else ''} in the store")
        return
    click.echo(f"{'ID':>6}  {'DEVICE':<16} {'TAKEN':<21} {'METHOD':<16} SHA256")
    for item in items:
        click.echo(f"{item.id:>6}  {item.device:<16} {short_time(item.taken_at):<21} "
                   f"{item.method:<16} {item.sha256[:12]}")
