"""`nocdeck discover HOST[:PORT]… | --csv FILE [--to nautobot|FILE]`: onboard devices.

Each target is logged in to, identified from `show version` (platform, version, model) and
read (interfaces, VLANs); the devices go into Nautobot (`--to nautobot`, the default when
`--inventory nautobot` is in effect) or a local inventory file. The run is recorded as a
DiscoveryJob with its counts and every failure's reason. Exit 0 when every target was
onboarded, 1 when some failed, 2 for bad input.

`nocdeck nautobot status` says where the devices come from, how fresh, and which cannot
be managed and why.
"""

from __future__ import annotations

from pathlib import Path

import click

from nocdeck.commands.common import CliState, echo_json, pass_state, run_async
from nocdeck.errors import InputError
from nocdeck.inventory.nautobot.discovery import (
    DiscoveryResult,
    Target,
    discover,
    job_config,
    onboard_file,
    onboard_nautobot,
    targets_from_csv,
    targets_from_hosts,
)


@click.command("discover")
@click.argument("hosts", nargs=-1, metavar="HOST[:PORT]…")
@click.option("--csv", "csv_file", type=click.Path(path_type=Path), default=None,
              metavar="FILE", help="Targets from a CSV: host[,port,name,credentials].")
@click.option("--to", "to", default=None, metavar="nautobot|FILE",
              help="Where the devices go: Nautobot, or a local inventory file "
                   "(default: nautobot with --inventory nautobot, else the inventory file).")
@click.option("--credentials", default="", metavar="REF",
              help="Credential reference to log in with: lab, cred:NAME, or empty for keys.")
@click.option("--site", default="", metavar="NAME", help="Location/site of new devices.")
@click.option("--role", default="", metavar="NAME", help="Role of new devices.")
@click.option("--no-host-key-check", is_flag=True,
              help="Do not verify SSH host keys (the lab only).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_state
def discover_command(state: CliState, hosts: tuple[str, ...], csv_file: Path | None,
                     to: str | None, credentials: str, site: str, role: str,
                     no_host_key_check: bool, as_json: bool) -> None:
    """Log in to devices, identify them and put them in Nautobot or the inventory file."""
    if bool(hosts) == bool(csv_file):
        raise InputError("give the targets as HOST[:PORT] arguments or with --csv FILE "
                         "(one of the two)")
    targets = (targets_from_csv(csv_file, credentials=credentials) if csv_file
               else targets_from_hosts(hosts, credentials=credentials))
    destination = to or ("nautobot" if state.settings.inventory == "nautobot"
                         else state.settings.inventory)
    if not destination:
        raise InputError("--to: say where the devices go: nautobot, or an inventory FILE")
    client = None
    if destination == "nautobot":
        from nocdeck.inventory.nautobot import connect
        from nocdeck.inventory.nautobot.sync import WRITE_TIMEOUT

        client = connect(state.settings, timeout=WRITE_TIMEOUT)
        client.version()  # a wrong URL or token stops here, before any device is touched
    result = run_async(discover(targets, state.settings, host_key_check=not no_host_key_check,
                                site=site, role=role, concurrency=state.settings.concurrency))
    if client is not None:
        with client:
            onboard_nautobot(result, client)
    else:
        onboard_file(result, Path(destination).expanduser())
    job_id = run_async(_record(state, result, targets, destination, csv_file, site, role))
    _report(result, destination, job_id, as_json=as_json)
    if result.failed:
        click.get_current_context().exit(1)


async def _record(state: CliState, result: DiscoveryResult, targets: list[Target],
                  destination: str, csv_file: Path | None, site: str, role: str) -> int:
    from nocdeck.workspace import open_workspace

    async with open_workspace(state.settings, catalog=False, inventory=False) as ws:
        job = await ws.store.record_discovery_job(
            discovery_type="csv_import" if csv_file else "ip_range",
            config=job_config(targets, to=destination, site=site, role=role),
            status=result.status, discovered=len(result.discovered), created=result.created,
            updated=result.updated, errors=result.failed, requested_by=state.settings.user)
        return job.id


def _report(result: DiscoveryResult, destination: str, job_id: int, *, as_json: bool) -> None:
    if as_json:
        echo_json({"job": job_id, "to": destination, "status": result.status,
                   "discovered": [{"name": d.name, "host": d.host, "port": d.port,
                                   "platform": d.platform, "software_version":
                                   d.software_version, "model": d.model,
                                   "interfaces": len(d.interfaces)} for d in result.discovered],
                   "created": result.created, "updated": result.updated,
                   "unchanged": result.unchanged, "failed": result.failed})
        return
    for device in result.discovered:
        click.echo(f"{device.name}  {device.host}:{device.port}  {device.platform}  "
                   f"{device.software_version}  {device.model}  "
                   f"{len(device.interfaces)} interfaces")
    for reason in result.failed.values():
        click.echo(f"failed: {reason}", err=True)
    click.echo(f"discovery job {job_id}: {len(result.discovered)} discovered, "
               f"{result.created} created, {result.updated} updated, "
               f"{result.unchanged} unchanged, {len(result.failed)} failed -> {destination}")


@click.group("nautobot")
def nautobot_group() -> None:
    """Nautobot as the inventory: its state as nocdeck sees it."""


@nautobot_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@pass_state
def nautobot_status(state: CliState, as_json: bool) -> None:
    """Where the devices come from, how fresh, and which cannot be managed and why."""
    from nocdeck.inventory.nautobot import load_nautobot_inventory

    inventory = load_nautobot_inventory(state.settings)
    if as_json:
        echo_json({"url": inventory.url, "version": inventory.version,
                   "offline": inventory.offline, "loaded_at": inventory.loaded_at,
                   "devices": inventory.names, "not_manageable": inventory.unmanageable})
        return
    click.echo(inventory.status_line())
    for reason in inventory.unmanageable.values():
        click.echo(f"not manageable: {reason}")

