"""Sub-commands of `nocdeck`, one module each; `register_commands` wires them to the group."""

from __future__ import annotations

import click


def register_commands(group: click.Group) -> None:
    """Add every sub-command; each module owns one command or command group."""
    from nocdeck.commands import lab

    group.add_command(lab.lab)
