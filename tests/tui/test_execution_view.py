"""The TUI's record of a run: inputs as they were typed, an interruption not read back yet."""

from __future__ import annotations

import asyncio
from pathlib import Path

from nocdeck.screens.execution import describe_execution
from nocdeck.store import Store


async def test_the_record_shows_inputs_as_typed_and_a_device_not_read_back(
        tmp_path: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    try:
        record = await store.create_execution(
            kind="run", workflow="ntp-servers", requested_by="alice@noc",
            inputs={"device": "r1", "servers": ["192.0.2.1", "192.0.2.2"]}, devices=["r1"],
            status="running", owner="alice@noc:jump1:101", lease_seconds=0.05)
        await store.update_device(record.id, "r1", status="running",
                                  lines_to_push=["ntp server 192.0.2.1"])
        await asyncio.sleep(0.1)
        assert await store.mark_interrupted() == [record.id]  # as `nocdeck show` does
        shown = describe_execution(await store.get_execution(record.id)).plain
    finally:
        await store.close()
    assert "inputs device=r1, servers=192.0.2.1,192.0.2.2\n" in shown
    assert "Device r1: interrupted" in shown and "(not read back yet)" in shown
