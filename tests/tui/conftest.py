"""TUI fixtures: the app on the real lab and a real SQLite store, or on a static inventory.

`lab_settings` starts the lab in the app's engine thread (as `nocdeck --lab` does); the
static workspace (`static_opener`) has no SSH at all, for the screens that only browse,
and for snapshots, which must not depend on ports or ids.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
from textual.pilot import Pilot

from nocdeck.catalog import load_catalog
from nocdeck.config import Settings
from nocdeck.inventory import Inventory
from nocdeck.inventory.models import Device, Interface, Vlan
from nocdeck.store import Store
from nocdeck.workspace import Workspace


@pytest.fixture
def lab_settings(tmp_path: Path) -> Settings:
    return Settings(lab=True, lab_devices=3, store_url=f"sqlite+aiosqlite:///{tmp_path}/tui.db",
                    user="requester@noc")


def static_inventory(count: int = 3) -> Inventory:
    """Devices named like the lab's, plus as many access switches as asked for."""
    platforms = ["cisco_ios", "arista_eos", "juniper_junos"]
    devices = []
    for n in range(count):
        interfaces = [Interface(name=f"GigabitEthernet1/0/{i}", mode="access",
                                description=f"desk {n}-{i}") for i in range(1, 5)]
        devices.append(Device(name=f"r{n + 1}" if n < 3 else f"sw-{n:05d}",
                              platform=platforms[n % 3], host="127.0.0.1", port=22,
                              manufacturer="cisco", role="access", site="lab",
                              interfaces=interfaces, vlans=[Vlan(id=10, name="users")]))
    return Inventory(devices, source="test")


PINNED_WORKFLOWS = ("interface-description", "interface-state", "vlan-add")
"""What the snapshots list: new bundled workflows must not change every snapshot."""


def static_opener(tmp_path: Path, count: int = 3, *, pinned: bool = False
                  ) -> Callable[[Settings], AbstractAsyncContextManager[Workspace]]:
    @asynccontextmanager
    async def opener(settings: Settings) -> AsyncIterator[Workspace]:
        store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/static.db")
        catalog = load_catalog(settings)
        if pinned:
            catalog.workflows = {slug: catalog.workflows[slug] for slug in PINNED_WORKFLOWS}
            used = {step.task for wf in catalog.workflows.values() for step in wf.steps}
            catalog.tasks = {slug: task for slug, task in catalog.tasks.items() if slug in used}
        try:
            yield Workspace(settings, store, catalog, static_inventory(count))
        finally:
            await store.close()

    return opener


async def wait_for(pilot: Pilot[object], condition: Callable[[], object],
                   timeout: float = 20.0, what: str = "the screen") -> None:
    """Pause the test (letting the app work) until `condition()` holds; fail after timeout."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await pilot.pause(0.05)
