"""Sub-commands of `nocdeck`, one module each, imported only when they are used.

Importing every command would pull in asyncssh, SQLAlchemy, netmiko and Textual before the
first line is printed; `LazyGroup` imports just the module of the command being run, with
the garbage collector kept off what it loads (`modules_loading`).
"""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

COMMANDS: dict[str, tuple[str, str]] = {
    # command name: (module under nocdeck.commands, click command attribute) - one per line
    "lab": ("lab", "lab"),
    "config": ("config_cmd", "config_group"),
    "credentials": ("credentials", "credentials_group"),
    "exec": ("exec", "exec_command"),
    "hosts": ("hosts", "hosts_group"),
    "executions": ("records", "executions"),
    "show": ("records", "show"),
    "db": ("records", "db_group"),
    "catalog": ("catalog", "catalog_group"),
    "plan": ("plan", "plan_command"),
    "run": ("run", "run_command"),
    "retry": ("run", "retry_command"),
    "approve": ("decide", "approve"),
    "reject": ("decide", "reject"),
    "cancel": ("decide", "cancel"),
    "backup": ("backup", "backup_command"),
    "backups": ("backup", "backups_command"),
    "discover": ("discover", "discover_command"),
    "nautobot": ("discover", "nautobot_group"),
    "ssh": ("ssh", "ssh_command"),
    "recordings": ("recordings", "recordings_group"),
}


@contextmanager
def modules_loading() -> Iterator[None]:
    """No cyclic garbage collection while a command's modules load; then they are moved out
    of the collector's reach (`gc.freeze`), as `nocdeck.heap.loading` does for the catalog.

    Importing `run` creates ~190,000 objects that live as long as the process and little
    cyclic garbage (~2,000 objects, kept for good by the freeze); with the collector on,
    Python walks them in ~150 passes (0.1 s of a 1.4 s `nocdeck run` on one device), and
    merely re-enabling it would walk them all once more (40 ms). What the command allocates
    afterwards is collected as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()


def load_command(name: str) -> click.Command | None:
    if name not in COMMANDS:
        return None
    module_name, attribute = COMMANDS[name]
    qualified = f"nocdeck.commands.{module_name}"
    module = sys.modules.get(qualified)
    if module is None:  # the first time in this process: the freeze happens once per module
        with modules_loading():
            module = importlib.import_module(qualified)
    command: click.Command = getattr(module, attribute)
    return command


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, cmd_name) or load_command(cmd_name)
