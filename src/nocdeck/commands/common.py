"""What every sub-command shares: the settings in effect, the inventory, JSON output."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from nocdeck.config import Settings, user_config_dir
from nocdeck.errors import InventoryError
from nocdeck.inventory import Inventory, load_inventory

T = TypeVar("T")


@dataclass
class CliState:
    """Carried on the click context from the group to each sub-command."""

    settings: Settings


pass_state = click.make_pass_decorator(CliState)


def default_inventory_path() -> Path:
    return user_config_dir() / "inventory.yaml"


def inventory_from_settings(settings: Settings) -> Inventory:
    """Load the configured inventory file, or say exactly how to get one."""
    path = Path(settings.inventory) if settings.inventory else default_inventory_path()
    if not settings.inventory and not path.is_file():
        raise InventoryError(
            "no inventory configured: pass --inventory FILE (or set NOCDECK_INVENTORY); "
            "to try nocdeck offline run: nocdeck lab up --inventory-out lab-inventory.yaml"
        )
    return load_inventory(path)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from a click command (one event loop per command)."""
    return asyncio.run(coro)
