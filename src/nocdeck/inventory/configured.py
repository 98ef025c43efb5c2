"""The inventory the settings point at: `--inventory FILE`, NOCDECK_INVENTORY, or the default
file in the user config dir; a clear message with the fix when there is none."""

from __future__ import annotations

from pathlib import Path

from nocdeck.config import Settings, user_config_dir
from nocdeck.errors import InventoryError
from nocdeck.inventory.local import load_inventory
from nocdeck.inventory.models import Inventory


def default_inventory_path() -> Path:
    return user_config_dir() / "inventory.yaml"


def inventory_from_settings(settings: Settings) -> Inventory:
    """Load the configured inventory file, or say exactly how to get one."""
    if settings.inventory == "nautobot":
        from nocdeck.inventory.nautobot import load_nautobot_inventory

        return load_nautobot_inventory(settings)
    path = Path(settings.inventory) if settings.inventory else default_inventory_path()
    if not settings.inventory and not path.is_file():
        raise InventoryError(
            "no inventory configured: pass --inventory FILE (or set NOCDECK_INVENTORY), "
            "or try nocdeck offline against its built-in lab: nocdeck --lab"
        )
    return load_inventory(path)
