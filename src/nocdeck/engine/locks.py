"""Per-device locks for a run: take the device, or wait for it, or refuse naming the holder.

The lock is a row in the shared store with a lease (SQLite and PostgreSQL alike), renewed by
the run's heartbeat; a holder that died stops renewing and its lock can be taken over once
the lease runs out. Nobody releases another holder's lock by hand.
"""

from __future__ import annotations

import asyncio
import time

from nocdeck.engine import events as ev
from nocdeck.engine.groupcommit import GroupCommit
from nocdeck.engine.runmodel import LockMode
from nocdeck.errors import WorkFailed
from nocdeck.store import DeviceLockRecord, LockAttempt, Store
from nocdeck.store.leases import LockRequest

POLL_SECONDS = 0.5


class DeviceLocked(WorkFailed):
    """Another run is changing the device (refused, or waited too long)."""

    def __init__(self, device: str, lock: DeviceLockRecord, waited: float | None = None) -> None:
        self.device = device
        self.lock = lock
        since = f"{lock.acquired_at:%Y-%m-%d %H:%M:%S} UTC"
        what = (f"still locked after waiting {waited:.0f} s" if waited is not None
                else "refused (--lock refuse)")
        super().__init__(f"{device}: {what}: being changed by {lock.holder} "
                         f"(execution {lock.execution_id or '-'}, since {since})")


class LockBatch:
    """The lock requests of devices that start together, taken in one store transaction: the
    requests made while one batch is in flight go into the next (`engine.groupcommit`, as for
    the records). `gate`: held around each store call (the run's writes take turns)."""

    def __init__(self, store: Store, gate: asyncio.Lock | None = None) -> None:
        self.store = store
        self.gate = gate or asyncio.Lock()
        self._batches: GroupCommit[LockRequest, tuple[LockAttempt, bool]] = GroupCommit(
            store.acquire_locks, self.gate, key=lambda request: request.device)

    async def acquire(self, request: LockRequest) -> tuple[LockAttempt, bool]:
        """`Store.acquire_locks` for one request, batched with whoever asks meanwhile (one
        request per device and transaction)."""
        return await self._batches.submit(request)


async def take_device(store: Store, device: str, *, holder: str, execution_id: str,
                      lease_seconds: float, mode: LockMode, wait_limit: float,
                      sink: ev.EventSink = ev.discard, gate: asyncio.Lock | None = None,
                      backed_up_since: int | None = None, batch: LockBatch | None = None
                      ) -> bool:
    """Hold `device` for this run, waiting (`wait`) or not (`refuse`) for another holder.

    `gate`: taken around each store call (the run's writes take turns, see engine.recorder).
    `batch`: the run's `LockBatch` (its gate is used instead), so devices starting together
    are locked in one transaction. With `backed_up_since` (a backup id), True when a newer
    backup of the device exists once it is held: another run changed it since the caller
    read it.
    """
    started = time.monotonic()
    announced = False
    batch = batch or LockBatch(store, gate)
    request = LockRequest(device, holder, lease_seconds, execution_id, backed_up_since)
    while True:
        attempt, stale = await batch.acquire(request)
        if attempt.acquired:
            if attempt.taken_over is not None:
                gone = attempt.taken_over
                sink(ev.LogLine(execution_id=execution_id, device=device, direction="info",
                                text=f"took over the lock of {gone.holder} (execution "
                                     f"{gone.execution_id or '-'}): its lease had run out"))
            return stale
        if mode == "refuse":
            raise DeviceLocked(device, attempt.lock)
        waited = time.monotonic() - started
        if waited >= wait_limit:
            raise DeviceLocked(device, attempt.lock, waited)
        if not announced:
            announced = True
            sink(ev.LockWaiting(execution_id=execution_id, device=device,
                                holder=attempt.lock.holder,
                                holder_execution=attempt.lock.execution_id,
                                since=attempt.lock.acquired_at))
        await asyncio.sleep(min(POLL_SECONDS, max(0.05, wait_limit - waited)))
