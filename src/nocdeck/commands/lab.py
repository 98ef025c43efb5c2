"""`nocdeck lab up`: simulated devices over real SSH on 127.0.0.1, in the foreground.

With `--json` the only thing on stdout is one JSON object per device, printed (and flushed)
once every device accepts connections, so a script can read the lines and connect. This is
the one place nocdeck prints a password: the lab's public defaults, which guard nothing.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import click

from nocdeck.commands.common import CliState, pass_state, run_async
from nocdeck.errors import LabError
from nocdeck.inventory.local import write_inventory
from nocdeck.lab.faults import FAULT_SYNTAX, DeviceFaults, parse_fault
from nocdeck.lab.server import PLATFORMS, Lab, LabSpec


@click.group("lab")
def lab() -> None:
    """The built-in lab: simulated IOS, EOS and Junos devices for trying nocdeck offline."""


@lab.command("up")
@click.option("--devices", type=int, default=None, metavar="N",
              help="How many devices (r1..rN); default: the lab_devices setting.")
@click.option("--port-base", type=int, default=0, metavar="P",
              help="Listen on ports P..P+N-1 (default: ports handed out by the OS).")
@click.option("--seed", type=int, default=0, metavar="S",
              help="Seed of the generated configs (same seed, same lab).")
@click.option("--state-dir", type=click.Path(path_type=Path), default=None, metavar="DIR",
              help="Keep running/startup configs and host keys here between runs.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object per device (with its credentials), nothing else.")
@click.option("--inventory-out", type=click.Path(path_type=Path), default=None,
              metavar="FILE", help="Write an inventory file for the lab before printing.")
@click.option("--fault", "faults", multiple=True, metavar="NAME:FAULT[=VALUE]",
              help=f"Give a device a fault (repeatable): {FAULT_SYNTAX}.")
@click.option("--time-scale", type=float, default=1.0, metavar="X",
              help="Lab seconds per real second (timers like `commit confirmed`).")
@click.option("--platform", "platforms", multiple=True, metavar="NAME",
              help=f"Platforms taken round-robin (repeatable; default {', '.join(PLATFORMS)}).")
@click.option("--nautobot", "nautobot_url", default=None, metavar="URL",
              help="Also create/update the lab's devices in this Nautobot (API token: the "
                   "nautobot_token credential reference).")
@pass_state
def up(state: CliState, devices: int | None, port_base: int, seed: int,
       state_dir: Path | None, as_json: bool, inventory_out: Path | None,
       faults: tuple[str, ...], time_scale: float, platforms: tuple[str, ...],
       nautobot_url: str | None) -> None:
    """Start lab devices and serve them until Ctrl-C or SIGTERM."""
    fault_map: dict[str, DeviceFaults] = {}
    for text in faults:
        fault_map = parse_fault(text, fault_map)
    count = devices if devices is not None else state.settings.lab_devices
    spec = LabSpec(devices=count, port_base=port_base, seed=seed, state_dir=state_dir,
                   faults=fault_map, time_scale=time_scale,
                   platforms=tuple(platforms) or PLATFORMS)
    load = None
    if nautobot_url is not None:
        def load(lab_: Lab) -> None:
            _load_into_nautobot(state, lab_, nautobot_url)
    run_async(_serve(Lab(spec), as_json=as_json, inventory_out=inventory_out, nautobot=load))


def _load_into_nautobot(state: CliState, lab_: Lab, url: str) -> None:
    from nocdeck.inventory.nautobot.sync import sync_settings_inventory

    counts = sync_settings_inventory(state.settings, lab_.inventory(), url=url)
    for name, reason in counts.failed.items():
        click.echo(f"nautobot: {name}: {reason}", err=True)
    click.echo(f"nautobot: lab devices in {url}: {counts.created} created, "
               f"{counts.updated} updated, {counts.unchanged} unchanged, "
               f"{len(counts.failed)} failed", err=True)


async def _serve(lab_: Lab, *, as_json: bool, inventory_out: Path | None,
                 nautobot: Callable[[Lab], None] | None = None) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await lab_.start()
        if inventory_out is not None:
            _write_inventory(lab_, inventory_out)
        if nautobot is not None:
            await asyncio.to_thread(nautobot, lab_)
        _announce(lab_, as_json=as_json)
        await stop.wait()
    finally:
        await lab_.stop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    if not as_json:
        click.echo("lab stopped", err=True)


def _write_inventory(lab_: Lab, path: Path) -> None:
    try:
        write_inventory(lab_.inventory(), path.expanduser())
    except OSError as exc:
        raise LabError(f"--inventory-out {path}: cannot write it ({exc.strerror})") from None


def _announce(lab_: Lab, *, as_json: bool) -> None:
    if as_json:
        text = "".join(json.dumps(info.as_dict()) + "\n" for info in lab_.devices)
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    rows = [("NAME", "PLATFORM", "HOST", "PORT", "USERNAME")]
    rows += [(i.name, i.platform, i.host, str(i.port), i.username) for i in lab_.devices]
    widths = [max(len(row[c]) for row in rows) for c in range(5)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                        strict=True)).rstrip())
    click.echo(f"\n{len(rows) - 1} lab devices up on 127.0.0.1 "
               "(password and enable secret: see `nocdeck lab up --json`). "
               "Ctrl-C stops them.", err=True)
    sys.stdout.flush()
