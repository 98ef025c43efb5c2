"""Sub-commands of `nocdeck`, one module each, imported only when they are used.

Importing every command would pull in asyncssh, SQLAlchemy, netmiko and Textual before the
first line is printed; `LazyGroup` imports just the module of the command being run, with
the garbage collector kept off what it loads (`nocdeck.heap.modules_loading`).
"""

from __future__ import annotations

import importlib
import sys

import click

from nocdeck.heap import modules_loading

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

HOSTED = frozenset({"run", "retry", "approve"})
"""Commands whose device sessions run in the provider host (`nocdeck.providers.host`): it
starts before their modules load (`LazyGroup.resolve_command`), so that it is ready when
they first need it."""


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

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        """The command about to run; one that works on devices gets its provider host
        started first, before its modules load (not for `--help`)."""
        if args and args[0] in HOSTED and not {"-h", "--help"} & set(args[1:]):
            from nocdeck.providers.hostprocess import prestart

            prestart()
        return super().resolve_command(ctx, args)
