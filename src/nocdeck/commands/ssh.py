"""`nocdeck ssh DEVICE`: an interactive, recorded session on an inventory device.

It exits with the device's exit status once the SessionRecord is committed. A session that
cannot start (unknown device, unreachable, refused login, untrusted host key, terminal too
small) is one line on stderr and exit 2: nothing was done on the device.
"""

from __future__ import annotations

import difflib
import sys

import click

from nocdeck.commands.common import CliState, pass_state, run_async
from nocdeck.errors import BadInput, DeviceError
from nocdeck.inventory.models import Device, Inventory
from nocdeck.recordings.terminal import SessionResult, run_interactive_session
from nocdeck.workspace import open_workspace


class SessionNotStarted(BadInput):
    """The device could not be reached or logged in to: no session, nothing recorded."""


def find_device(inventory: Inventory, name: str) -> Device:
    device = inventory.get(name)
    if device is not None:
        return device
    names = [d.name for d in inventory]
    close = difflib.get_close_matches(name, names, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else \
        f" ({len(names)} devices; `nocdeck --lab ssh r1` opens a lab device)"
    raise BadInput(f"ssh: unknown device {name!r}: not in the inventory{hint}")


@click.command("ssh")
@click.argument("device")
@click.option("--lab", "use_lab", is_flag=True, help="Start the built-in lab and use it.")
@pass_state
def ssh_command(state: CliState, device: str, use_lab: bool) -> None:
    """Open a recorded interactive SSH session on DEVICE (an inventory name)."""
    settings = state.settings
    if use_lab:
        settings.lab = True

    async def go() -> SessionResult:
        async with open_workspace(settings, catalog=False) as ws:
            target = find_device(ws.need_inventory(), device)
            try:
                return await run_interactive_session(target, settings, ws.store,
                                                     stdin_fd=sys.stdin.fileno(),
                                                     stdout_fd=sys.stdout.fileno())
            except DeviceError as exc:
                raise SessionNotStarted(str(exc)) from None

    result = run_async(go())
    if result.message:
        click.echo(f"nocdeck ssh: {result.message}", err=True)
    state_word = "recorded" if result.complete else "recorded (incomplete)"
    click.echo(f"nocdeck: session {result.session_id} on {result.device} {state_word}, "
               f"exit status {result.exit_status}", err=True)
    sys.exit(result.exit_status)
