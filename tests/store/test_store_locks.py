"""Per-device locks with leases, and marking runs whose owner died `interrupted`."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

from nocdeck.store import NewStep, Store


async def test_two_holders_contend_for_a_device_and_exactly_one_wins(
        store: Store, store_url: str) -> None:
    other = await Store.open(store_url)
    try:
        attempts = await asyncio.gather(
            store.acquire_lock("core-sw1", holder="alice@jump1", lease_seconds=30, pid=101),
            other.acquire_lock("core-sw1", holder="bob@jump2", lease_seconds=30, pid=202))
    finally:
        await other.close()
    winners = [a for a in attempts if a.acquired]
    losers = [a for a in attempts if not a.acquired]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].lock.holder == winners[0].lock.holder, "the loser is told who holds it"
    assert (await store.get_lock("core-sw1")) == winners[0].lock


async def test_a_holder_renews_and_releases_only_its_own_lock(store: Store) -> None:
    execution_id = (await store.create_execution(
        kind="run", workflow="ntp-servers", requested_by="alice@jump1", inputs={},
        devices=["edge-r1"])).id
    first = await store.acquire_lock("edge-r1", holder="alice@jump1", lease_seconds=5,
                                     execution_id=execution_id, pid=101)
    again = await store.acquire_lock("edge-r1", holder="alice@jump1", lease_seconds=60,
                                     execution_id=execution_id, pid=101)
    assert first.acquired and again.acquired
    assert again.lock.lease_expires_at > first.lock.lease_expires_at
    assert await store.renew_locks(holder="alice@jump1", execution_id=execution_id, pid=101,
                                   lease_seconds=90) == 1
    assert not await store.release_lock("edge-r1", holder="bob@jump2", pid=202)
    assert await store.get_lock("edge-r1") is not None
    assert await store.release_lock("edge-r1", holder="alice@jump1", pid=101,
                                    execution_id=execution_id)
    assert await store.list_locks() == []


async def test_an_expired_lease_is_taken_over_and_its_old_holder_cannot_release(
        store: Store) -> None:
    dead = await store.acquire_lock("core-sw1", holder="alice@jump1", lease_seconds=0.2, pid=101)
    assert dead.acquired
    refused = await store.acquire_lock("core-sw1", holder="bob@jump2", lease_seconds=30, pid=202)
    assert not refused.acquired and refused.lock.holder == "alice@jump1"
    await asyncio.sleep(0.3)
    taken = await store.acquire_lock("core-sw1", holder="bob@jump2", lease_seconds=30, pid=202)
    assert taken.acquired and taken.taken_over is not None
    assert taken.taken_over.holder == "alice@jump1"
    assert not await store.release_lock("core-sw1", holder="alice@jump1", pid=101)
    lock = await store.get_lock("core-sw1")
    assert lock is not None and lock.holder == "bob@jump2"


async def test_only_runs_whose_owner_lease_expired_are_marked_interrupted(store: Store) -> None:
    async def running(owner: str, lease: float) -> str:
        record = await store.create_execution(
            kind="run", workflow="ntp-servers", requested_by="alice@jump1", inputs={},
            devices=["edge-r1", "edge-r2"], status="running", owner=owner, lease_seconds=lease)
        await store.update_device(record.id, "edge-r1", status="running",
                                  lines_to_push=["ntp server 192.0.2.1"])
        await store.update_device(record.id, "edge-r2", status="completed", changed=True)
        (step_id,) = await store.add_steps(record.id, [NewStep(1, "push", "task", "edge-r1")])
        await store.update_step(step_id, status="running")
        await store.acquire_lock(f"{owner}-device", holder=owner, lease_seconds=lease,
                                 execution_id=record.id)
        return record.id

    dead = await running("alice@jump1 pid 101", 0.2)
    live = await running("bob@jump2 pid 202", 60)
    waiting = (await store.create_execution(
        kind="run", workflow="ntp-servers", requested_by="carol@jump3", inputs={},
        status="awaiting_approval", owner="carol@jump3 pid 303", lease_seconds=0.1)).id
    await asyncio.sleep(0.3)

    assert await store.mark_interrupted() == [dead]
    assert await store.mark_interrupted() == []

    crashed = await store.get_execution(dead)
    assert crashed.execution.status == "interrupted"
    assert crashed.execution.finished_at is not None
    assert "alice@jump1 pid 101 stopped renewing its lease" in (crashed.execution.error or "")
    assert {d.name: d.status for d in crashed.devices} == {"edge-r1": "interrupted",
                                                           "edge-r2": "completed"}
    assert [s.status for s in crashed.steps] == ["interrupted"]
    assert await store.get_lock("alice@jump1 pid 101-device") is None

    alive = await store.get_execution(live)
    assert alive.execution.status == "running" and [s.status for s in alive.steps] == ["running"]
    assert await store.get_lock("bob@jump2 pid 202-device") is not None
    assert (await store.get_execution(waiting)).execution.status == "awaiting_approval"


async def test_a_renewed_lease_keeps_a_long_run_alive(store: Store) -> None:
    record = await store.create_execution(
        kind="run", workflow="ntp-servers", requested_by="alice@jump1", inputs={},
        status="running", owner="alice@jump1 pid 101", lease_seconds=0.3)
    for _ in range(3):
        await asyncio.sleep(0.15)
        assert await store.renew_lease(record.id, owner="alice@jump1 pid 101", lease_seconds=0.3)
    assert await store.mark_interrupted() == []
    assert not await store.renew_lease(record.id, owner="mallory@jump9", lease_seconds=60)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    assert await store.mark_interrupted(now=later) == [record.id]
    assert not await store.renew_lease(record.id, owner="alice@jump1 pid 101", lease_seconds=60)


async def test_a_batch_of_locks_in_one_transaction_answers_each_device(store: Store) -> None:
    from nocdeck.store.leases import LockRequest

    mark = await store.newest_backup_id()
    await store.save_backup("edge-r2", "hostname edge-r2\n", method="pre-change")
    held = await store.acquire_lock("edge-r1", holder="bob@jump2", lease_seconds=60, pid=202)
    expired = await store.acquire_lock("edge-r3", holder="carol@jump3", lease_seconds=-1,
                                       pid=303)
    assert held.acquired and expired.acquired
    answers = await store.acquire_locks([
        LockRequest(name, "alice@jump1", 30, None, mark)
        for name in ("edge-r1", "edge-r2", "edge-r3", "edge-r4")], pid=101)
    by_device = {attempt.lock.device: (attempt, stale) for attempt, stale in answers}
    assert [a.lock.device for a, _ in answers] == ["edge-r1", "edge-r2", "edge-r3", "edge-r4"]
    refused, _ = by_device["edge-r1"]
    assert not refused.acquired and refused.lock.holder == "bob@jump2"
    assert by_device["edge-r2"][0].acquired and by_device["edge-r2"][1], \
        "backed up since the mark: the caller's read is stale"
    taken, stale = by_device["edge-r3"]
    assert taken.acquired and taken.taken_over is not None and not stale
    assert taken.taken_over.holder == "carol@jump3"
    assert by_device["edge-r4"][0].acquired and not by_device["edge-r4"][1]
    assert [lock.holder for lock in await store.list_locks()] == [
        "bob@jump2", "alice@jump1", "alice@jump1", "alice@jump1"]


async def test_a_cancelled_lock_batch_is_settled_before_the_cancellation_goes_on(
        store: Store) -> None:
    """A transaction cannot be stopped half-way on SQLite's writer thread: the caller that
    was cancelled finds it ended (here committed), and can release what it holds."""
    from nocdeck.store.leases import LockRequest

    requests = [LockRequest(f"sw{n}", "alice@jump1", 60.0) for n in range(200)]
    task = asyncio.create_task(store.acquire_locks(requests))
    await asyncio.sleep(0.005)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    held = await store.list_locks()
    assert len(held) in (0, 200), "a lock batch is all or nothing"
    for lock in held:
        await store.release_lock(lock.device, holder="alice@jump1")
    assert await store.list_locks() == []


async def test_a_closed_store_refuses_writes(store_url: str) -> None:
    store = await Store.open(store_url)
    await store.close()
    from nocdeck.errors import StoreError
    from nocdeck.store.leases import LockRequest

    try:
        await store.acquire_locks([LockRequest("sw1", "alice@jump1", 60.0)])
    except StoreError as exc:
        assert "is closed" in str(exc)
    else:
        raise AssertionError("a write after close() succeeded")
