"""Per-device locks for a run: take the device, or wait for it, or refuse naming the holder.

The lock is a row in the shared store with a lease (SQLite and PostgreSQL alike), renewed by
the run's heartbeat; a holder that died stops renewing and its lock can be taken over once
the lease runs out. Nobody releases another holder's lock by hand.
"""

from __future__ import annotations

import asyncio
import time

from nocdeck.engine import events as ev
from nocdeck.engine.runmodel import LockMode
from nocdeck.errors import WorkFailed
from nocdeck.store import DeviceLockRecord, Store

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


async def take_device(store: Store, device: str, *, holder: str, execution_id: str,
                      lease_seconds: float, mode: LockMode, wait_limit: float,
                      sink: ev.EventSink = ev.discard, gate: asyncio.Lock | None = None,
                      backed_up_since: int | None = None) -> bool:
    """Hold `device` for this run, waiting (`wait`) or not (`refuse`) for another holder.

    `gate`: taken around each store call (the run's writes take turns, see engine.recorder).
    With `backed_up_since` (a backup id), True when a newer backup of the device exists once
    it is held: another run changed it since the caller read it.
    """
    started = time.monotonic()
    announced = False
    gate = gate or asyncio.Lock()
    while True:
        async with gate:
            if backed_up_since is None:
                attempt, stale = await store.acquire_lock(
                    device, holder=holder, lease_seconds=lease_seconds,
                    execution_id=execution_id), False
            else:
                attempt, stale = await store.acquire_lock_checked(
                    device, holder=holder, lease_seconds=lease_seconds,
                    execution_id=execution_id, backed_up_since=backed_up_since)
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
