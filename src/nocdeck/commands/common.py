"""What every sub-command shares: the settings in effect, the inventory, JSON output."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from nocdeck.config import Settings
from nocdeck.inventory.configured import default_inventory_path, inventory_from_settings

__all__ = ["CliState", "default_inventory_path", "echo_json", "inventory_from_settings",
           "pass_state", "run_async"]

T = TypeVar("T")


@dataclass
class CliState:
    """Carried on the click context from the group to each sub-command."""

    settings: Settings


pass_state = click.make_pass_decorator(CliState)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from a click command (one event loop per command)."""
    return asyncio.run(coro)


def run_hosted(settings: Settings, coro: Coroutine[Any, Any, T]) -> T:
    """`run_async` for a command that works on devices (`run`, `retry`, `approve`): its
    device sessions in the provider host while it runs, when the settings want one."""
    from nocdeck.providers.host import provider_host

    with provider_host(settings):
        return run_async(coro)
