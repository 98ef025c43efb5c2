"""Given a run whose process died and that a command without the inventory marked
`interrupted` (as `nocdeck executions` does), the next start with the inventory reads its
devices back over SSH and records what each interrupted push left there."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from nocdeck.config import Settings
from nocdeck.engine.recovery import recover_interrupted
from nocdeck.lab import Lab, LabSpec, run_lab
from nocdeck.store import Store

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def lab() -> AsyncIterator[Lab]:
    async with run_lab(LabSpec(devices=2)) as running:
        yield running


async def dead_run(store: Store) -> str:
    """A run killed mid-push: on r1 one of its two lines landed (the lab's r1 already has
    `logging host 10.0.10.5`), on r2 none did; its lease has run out."""
    record = await store.create_execution(
        kind="run", workflow="ntp-servers", requested_by="alice@jump1", inputs={},
        devices=["r1", "r2"], status="running", owner="alice@jump1 pid 101",
        lease_seconds=0.1)
    await store.update_device(record.id, "r1", status="running",
                              lines_to_push=["logging host 10.0.10.5",
                                             "logging host 10.0.10.250"])
    await store.update_device(record.id, "r2", status="running",
                              lines_to_push=["ntp server 192.0.2.77"])
    await asyncio.sleep(0.2)
    return record.id


async def test_devices_marked_elsewhere_are_read_back_at_the_next_start_with_an_inventory(
        lab: Lab, store: Store) -> None:
    execution_id = await dead_run(store)
    assert await store.mark_interrupted() == [execution_id]  # `nocdeck executions` did this

    # a start without the inventory (`nocdeck backup list`) leaves the read-back alone
    assert await recover_interrupted(store, inventory=None, settings=Settings()) == []
    assert [d.name for d in await store.devices_to_read_back()] == ["r1", "r2"]

    assert await recover_interrupted(store, inventory=lab.inventory(), settings=Settings()) == []
    detail = await store.get_execution(execution_id)
    devices = {d.name: d for d in detail.devices}
    assert {name: (d.status, d.outcome) for name, d in devices.items()} == {
        "r1": ("interrupted", "partly_applied"), "r2": ("interrupted", "not_applied")}
    assert devices["r1"].pushed_lines == ("logging host 10.0.10.5",)
    assert devices["r1"].changed and not devices["r2"].changed
    assert "read back: change partly applied" in (devices["r1"].error or "")
    for device in devices.values():
        backup = await store.get_backup(device.backup_after_id or 0)
        assert backup.method == "read-back" and backup.execution_id == execution_id
    assert await store.devices_to_read_back() == []

    # every later start: nothing to mark, nothing to read back, no device touched
    newest = await store.newest_backup_id()
    assert await recover_interrupted(store, inventory=lab.inventory(), settings=Settings()) == []
    assert await store.newest_backup_id() == newest
