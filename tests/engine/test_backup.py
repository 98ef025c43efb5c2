"""Given lab devices, backups are stored masked and listed, and a failure names its device."""

from __future__ import annotations

import pytest

from nocdeck.config import Settings
from nocdeck.credentials import LAB_ENABLE_SECRET
from nocdeck.engine.backup import backup_devices
from nocdeck.lab import Lab
from nocdeck.store import Store

pytestmark = pytest.mark.timeout(90)


async def test_backup_all_devices_stores_masked_configs(lab: Lab, store: Store) -> None:
    outcomes = await backup_devices(list(lab.inventory()), settings=Settings(), store=store)
    assert [o.device for o in outcomes] == ["r1", "r2", "r3"]
    assert all(o.error is None and o.backup is not None for o in outcomes)
    listed = await store.list_backups()
    assert {b.device for b in listed} == {"r1", "r2", "r3"}
    r1 = await store.get_backup(next(b.id for b in listed if b.device == "r1"))
    assert "interface GigabitEthernet1/0/1" in r1.config
    assert "enable secret" in r1.config
    enable_line = next(line for line in r1.config.splitlines() if "enable secret" in line)
    assert enable_line.rstrip().endswith("*")
    assert r1.facts["platform"] == "cisco_ios"
    assert LAB_ENABLE_SECRET not in r1.config
    # A backup is read-only for the device.
    assert all(not e.is_config for name in ("r1", "r2", "r3")
               for e in lab.device(name).journal)


async def test_unreachable_device_fails_alone(lab: Lab, store: Store) -> None:
    inventory = lab.inventory()
    r2 = inventory.get("r2")
    assert r2 is not None
    dead = r2.model_copy(update={"port": 1})
    outcomes = await backup_devices([inventory.get("r1"), dead],  # type: ignore[list-item]
                                    settings=Settings(connect_timeout=3), store=store)
    by_name = {o.device: o for o in outcomes}
    assert by_name["r1"].backup is not None
    assert by_name["r2"].backup is None
    assert by_name["r2"].error is not None and "r2" in by_name["r2"].error
