"""`nocdeck exec "show version" --device 'r*'`: read-only commands on many devices at once.

Everything that can be wrong with the request (a changing command, a glob that matches no
device, an unknown platform or credential) is refused with exit 2 before any device is
touched. A device that fails is reported under its own name and the run ends with exit 1.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import click

from nocdeck.commands.common import CliState, echo_json, pass_state, run_async
from nocdeck.errors import BadInput, DeviceError, InventoryError, WorkFailed
from nocdeck.inventory.models import Device, Inventory
from nocdeck.providers.base import Provider
from nocdeck.providers.readonly import check_read_only
from nocdeck.providers.registry import provider_for
from nocdeck.workspace import open_inventory


@dataclass
class DeviceOutcome:
    """What one device answered, or why it could not."""

    outputs: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    exit_code: int = 0
    """2 when the device was refused for bad input (an unknown or changed host key)."""

    @property
    def output(self) -> str:
        """All outputs in command order, each under its command when there are several."""
        if len(self.outputs) == 1:
            return next(iter(self.outputs.values()))
        return "\n\n".join(f"# {cmd}\n{out}" for cmd, out in self.outputs.items())


def select_devices(inventory: Inventory, patterns: Sequence[str]) -> list[Device]:
    """Devices matching any glob, in inventory order; a glob matching nothing is an error."""
    if not patterns:
        devices = list(inventory)
        if not devices:
            raise InventoryError(f"{inventory.source or 'inventory'}: no devices")
        return devices
    chosen: dict[str, Device] = {}
    for pattern in patterns:
        matched = inventory.select(pattern)
        if not matched:
            raise InventoryError(
                f"--device {pattern!r} matches no device in {inventory.source or 'the inventory'}"
                f" (devices: {', '.join(inventory.names[:10])}"
                f"{', …' if len(inventory) > 10 else ''})"
            )
        chosen.update((d.name, d) for d in matched)
    return [d for d in inventory if d.name in chosen]


async def run_on_device(provider: Provider, commands: Sequence[str]) -> DeviceOutcome:
    try:
        async with provider:
            return DeviceOutcome(outputs=await provider.run_commands(commands))
    except DeviceError as exc:
        return DeviceOutcome(error=str(exc), exit_code=exc.exit_code)


async def run_everywhere(providers: dict[str, Provider], commands: Sequence[str],
                         concurrency: int) -> dict[str, DeviceOutcome]:
    """Run `commands` on every device, at most `concurrency` at once."""
    gate = asyncio.Semaphore(concurrency)

    async def one(provider: Provider) -> DeviceOutcome:
        async with gate:
            return await run_on_device(provider, commands)

    outcomes = await asyncio.gather(*(one(p) for p in providers.values()))
    return dict(zip(providers, outcomes, strict=True))


@click.command("exec")
@click.argument("commands", nargs=-1, required=True, metavar="COMMAND...")
@click.option("--device", "-d", "patterns", multiple=True, metavar="GLOB",
              help="Device name or glob (repeatable); all inventory devices when omitted.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: device -> {output, outputs, error}.")
@click.option("--concurrency", type=click.IntRange(min=1), default=None, metavar="N",
              help="Devices worked on at once (default: the concurrency setting).")
@pass_state
def exec_command(state: CliState, commands: tuple[str, ...], patterns: tuple[str, ...],
                 as_json: bool, concurrency: int | None) -> None:
    """Run read-only COMMANDs on the matching devices and print each output under its name."""
    settings = state.settings
    check_read_only(commands)
    if concurrency is not None:
        settings.concurrency = concurrency
        settings.sources["concurrency"] = "--concurrency"

    async def go() -> dict[str, DeviceOutcome]:
        async with open_inventory(settings) as inventory:
            devices = select_devices(inventory, patterns)
            providers = {d.name: provider_for(d, settings) for d in devices}
            return await run_everywhere(providers, commands, settings.concurrency)

    outcomes = run_async(go())

    if as_json:
        echo_json({name: {"output": None if o.error else o.output, "outputs": o.outputs,
                          "error": o.error} for name, o in outcomes.items()})
    else:
        for name, outcome in outcomes.items():
            click.echo(f"=== {name} ===")
            click.echo(f"error: {outcome.error}" if outcome.error else outcome.output.rstrip())
            click.echo()
    failed = [name for name, o in outcomes.items() if o.error]
    if failed:
        message = f"{len(failed)} of {len(outcomes)} devices failed: {', '.join(failed)}"
        if any(outcomes[name].exit_code == 2 for name in failed):
            raise BadInput(message)
        raise WorkFailed(message)
