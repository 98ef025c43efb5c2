"""`nocdeck hosts trust DEVICE…`: add a device's SSH host key to known_hosts, knowingly.

nocdeck refuses a host key that known_hosts does not hold; this is the one way to add one.
It fetches the key the device presents (no login), shows its SHA-256 fingerprint so it can be
compared with the device's own (`show ip ssh` / `show crypto key mypubkey`), and appends it
on confirmation or `--yes`. A key that differs from the one already trusted is refused unless
`--replace` is given, since that is exactly what someone in the middle would look like.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from nocdeck.commands.common import CliState, inventory_from_settings, pass_state, run_async
from nocdeck.errors import DeviceUnreachable, InventoryError
from nocdeck.inventory.models import Device
from nocdeck.providers.hostkeys import (
    HostKeyCheck,
    add_trusted_key,
    fetch_host_key,
    fingerprint,
    known_hosts_path,
)
from nocdeck.wording import counted


@click.group("hosts")
def hosts_group() -> None:
    """Manage the SSH host keys nocdeck trusts (known_hosts)."""


def _devices(state: CliState, patterns: Sequence[str]) -> list[Device]:
    inventory = inventory_from_settings(state.settings)
    chosen: dict[str, Device] = {}
    for pattern in patterns:
        matched = inventory.select(pattern)
        if not matched:
            raise InventoryError(f"device {pattern!r} is not in "
                                 f"{inventory.source or 'the inventory'}")
        chosen.update((d.name, d) for d in matched)
    return [d for d in inventory if d.name in chosen]


@hosts_group.command("trust")
@click.argument("devices", nargs=-1, required=True, metavar="DEVICE…")
@click.option("--yes", "-y", is_flag=True, help="Trust without asking.")
@click.option("--replace", is_flag=True,
              help="Replace a key that differs from the trusted one (the device was re-keyed).")
@pass_state
def trust(state: CliState, devices: tuple[str, ...], yes: bool, replace: bool) -> None:
    """Fetch each DEVICE's host key, show its fingerprint and add it to known_hosts."""
    settings = state.settings
    path = known_hosts_path(settings.known_hosts or None)
    for device in _devices(state, devices):
        check = HostKeyCheck(device, str(path))
        try:
            key = run_async(fetch_host_key(device.host, device.port,
                                           wait=settings.connect_timeout))
        except OSError as exc:
            raise DeviceUnreachable(device.name, str(exc)) from None
        algorithm = key.get_algorithm()
        click.echo(f"{device.name} {check.host_key_name} {algorithm} {fingerprint(key)}")
        if not device.host_key_check:
            click.echo(f"  note: {device.name} has host_key_check: false, so nocdeck does not "
                       f"check its key")
        if check.is_trusted(key):
            click.echo(f"  already trusted in {path}")
            continue
        changed = check.trusted().known
        if changed and not replace:
            raise check.refusal(key)
        if not yes:
            question = (f"  Replace the trusted key of {device.name} in {path}?" if changed
                        else f"  Trust this key for {device.name} in {path}?")
            if not click.confirm(question, default=False):
                click.echo("  not trusted")
                continue
        removed = add_trusted_key(path, device.host, device.port, key, replace=replace)
        note = f" (replaced {counted(removed, 'old line')})" if removed else ""
        click.echo(f"  trusted in {path}{note}")
