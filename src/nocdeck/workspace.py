"""What a command or the TUI works with: settings, the store, the catalog, the inventory.

`open_workspace` opens each on demand, the same way for the CLI, the TUI and the tests. With
`--lab` the built-in lab starts in this process, keeps its device state under the user data
dir (so a change pushed by one command is still there for the next), and its inventory is
the one in use.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from nocdeck import heap
from nocdeck.catalog import Catalog, load_catalog
from nocdeck.config import Settings
from nocdeck.engine.recovery import recover_interrupted
from nocdeck.inventory import Inventory
from nocdeck.inventory.configured import inventory_from_settings
from nocdeck.store import Store


def lab_state_dir(settings: Settings) -> Path:
    return settings.data_dir / "lab"


@dataclass
class Workspace:
    settings: Settings
    store: Store
    catalog: Catalog | None = None
    inventory: Inventory | None = None

    def need_catalog(self) -> Catalog:
        assert self.catalog is not None, "open_workspace(catalog=True) was not asked"
        return self.catalog

    def need_inventory(self) -> Inventory:
        assert self.inventory is not None, "open_workspace(inventory=True) was not asked"
        return self.inventory


@asynccontextmanager
async def open_inventory(settings: Settings) -> AsyncIterator[Inventory]:
    """The inventory in use: the in-process lab's with `--lab`, Nautobot's with
    `--inventory nautobot`, else the configured file."""
    if settings.lab:
        from nocdeck.lab import LabSpec, run_lab

        state = lab_state_dir(settings)
        state.mkdir(parents=True, exist_ok=True)
        async with run_lab(LabSpec(devices=settings.lab_devices, state_dir=state)) as lab:
            yield lab.inventory()
    elif settings.inventory == "nautobot":
        from nocdeck.inventory.nautobot import load_nautobot_inventory

        yield await asyncio.to_thread(load_nautobot_inventory, settings)
    else:
        yield inventory_from_settings(settings)


@asynccontextmanager
async def open_workspace(settings: Settings, *, catalog: bool = True, inventory: bool = True
                         ) -> AsyncIterator[Workspace]:
    """Load the catalog and inventory first (bad input fails before any connection), then
    start the lab if asked, then open the store and mark runs left running by a dead
    process `interrupted` (reading back what their pushes left on each device)."""
    async with AsyncExitStack() as stack:
        with heap.loading():  # the catalog and inventory stay: the collector need not walk them
            loaded_catalog = load_catalog(settings) if catalog else None
            loaded_inventory: Inventory | None = None
            if inventory:
                loaded_inventory = await stack.enter_async_context(open_inventory(settings))
        store = await Store.open(settings.effective_store_url)
        stack.push_async_callback(store.close)
        await recover_interrupted(store, inventory=loaded_inventory, settings=settings)
        yield Workspace(settings, store, loaded_catalog, loaded_inventory)
