"""Sub-commands of `nocdeck`, one module each; `register_commands` wires them to the group."""

from __future__ import annotations

import importlib

import click

COMMANDS: tuple[tuple[str, str], ...] = (
    # (module under nocdeck.commands, click command attribute) - one line per command
    ("lab", "lab"),
    ("config_cmd", "config_group"),
    ("credentials", "credentials_group"),
    ("exec", "exec_command"),
    ("hosts", "hosts_group"),
    ("records", "executions"),
    ("records", "show"),
    ("records", "db_group"),
    ("catalog", "catalog_group"),
)


def register_commands(group: click.Group) -> None:
    """Add every sub-command; each module owns one command or command group."""
    for module_name, attribute in COMMANDS:
        module = importlib.import_module(f"nocdeck.commands.{module_name}")
        group.add_command(getattr(module, attribute))
