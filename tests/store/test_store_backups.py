"""Backups: stored masked with a checksum of what is kept, listed newest first by device."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from nocdeck.errors import StoreError
from nocdeck.store import Store


async def test_backups_are_stored_listed_and_read_back(store: Store) -> None:
    start = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    saved = []
    for hour, device in enumerate(["core-sw1", "edge-r1", "core-sw1"]):
        saved.append(await store.save_backup(
            device, f"hostname {device}\nntp server 192.0.2.{hour}\n", method="cli",
            facts={"os_version": "15.2(4)E"}, taken_at=start + dt.timedelta(hours=hour)))

    listed = await store.list_backups("core-sw1")
    assert [b.id for b in listed] == [saved[2].id, saved[0].id]
    assert [b.id for b in await store.list_backups(limit=1, offset=1)] == [saved[1].id]

    latest = await store.latest_backups(["core-sw1", "edge-r1", "never-backed-up"])
    assert {name: b.id for name, b in latest.items()} == {"core-sw1": saved[2].id,
                                                          "edge-r1": saved[1].id}
    again = await store.get_backup(saved[0].id)
    assert again.config == "hostname core-sw1\nntp server 192.0.2.0\n"
    assert again.sha256 == hashlib.sha256(again.config.encode()).hexdigest()
    assert again.facts == {"os_version": "15.2(4)E"} and again.taken_at == start
    with pytest.raises(StoreError, match=r"no backup 999999 in store at "):
        await store.get_backup(999_999)


async def test_a_backup_checksum_is_of_the_masked_text(store: Store) -> None:
    backup = await store.save_backup("core-sw1", "enable secret 5 $1$abc$CANARYzz\n",
                                     method="cli")
    assert backup.config == "enable secret 5 " + "*" * len("$1$abc$CANARYzz") + "\n"
    assert backup.sha256 == hashlib.sha256(backup.config.encode()).hexdigest()
