"""Devices a run starts together are locked in one store transaction, and each still gets its
own answer: held, refused naming the holder, or held but backed up since the plan read it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from nocdeck.engine.locks import DeviceLocked, LockBatch, take_device
from nocdeck.store import LockAttempt, Store
from nocdeck.store.leases import LockRequest

pytestmark = pytest.mark.timeout(60)


async def test_devices_starting_together_are_locked_in_one_transaction(store: Store) -> None:
    run = await store.create_execution(kind="run", workflow="interface-description",
                                       requested_by="ann@jump1", inputs={})
    other = await store.create_execution(kind="run", workflow="interface-description",
                                         requested_by="bob@jump2", inputs={})
    await store.acquire_lock("r3", holder="bob@jump2", lease_seconds=60,
                             execution_id=other.id, pid=1)
    mark = await store.newest_backup_id()
    await store.save_backup("r2", "hostname r2\n", method="pre-change", execution_id=other.id)
    transactions: list[list[str]] = []
    acquire_locks = store.acquire_locks

    async def counted(requests: Sequence[LockRequest], *, pid: int | None = None
                      ) -> list[tuple[LockAttempt, bool]]:
        transactions.append([r.device for r in requests])
        return await acquire_locks(requests, pid=pid)

    store.acquire_locks = counted  # type: ignore[method-assign]
    batch = LockBatch(store)
    answers = await asyncio.gather(*(
        take_device(store, name, holder="ann@jump1", execution_id=run.id, lease_seconds=30,
                    mode="refuse", wait_limit=0, backed_up_since=mark, batch=batch)
        for name in ("r1", "r2", "r3", "r4")), return_exceptions=True)
    assert transactions == [["r1", "r2", "r3", "r4"]]
    assert answers[0] is False and answers[3] is False, "held, read still current"
    assert answers[1] is True, "held, but another run backed it up since: read it again"
    assert isinstance(answers[2], DeviceLocked) and "bob@jump2" in str(answers[2])
    assert {lock.device: lock.holder for lock in await store.list_locks()} == {
        "r1": "ann@jump1", "r2": "ann@jump1", "r3": "bob@jump2", "r4": "ann@jump1"}
