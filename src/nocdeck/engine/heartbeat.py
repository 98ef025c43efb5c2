"""The executing process's heartbeat: renew the run's lease and its device locks, and hear
`nocdeck cancel` from another process (a `cancel_requested` event in the run's trail)."""

from __future__ import annotations

import asyncio
import logging

from nocdeck.engine.runmodel import CancelToken
from nocdeck.errors import NocdeckError
from nocdeck.store import Store

log = logging.getLogger(__name__)


async def heartbeat(store: Store, execution_id: str, owner: str, holder: str,
                    lease_seconds: float, cancel: CancelToken) -> None:
    seen = max((e.seq for e in await store.list_events(execution_id)), default=0)
    while True:
        await asyncio.sleep(lease_seconds / 3)
        try:
            ours = await store.renew_lease(execution_id, owner=owner, lease_seconds=lease_seconds)
            await store.renew_locks(holder=holder, lease_seconds=lease_seconds,
                                    execution_id=execution_id)
            if not ours:
                cancel.cancel("the run is no longer this process's (its lease ran out)")
            for event in await store.list_events(execution_id, after_seq=seen):
                seen = event.seq
                if event.type == "cancel_requested":
                    cancel.cancel(f"cancelled by {event.payload.get('by', 'someone')}")
        except NocdeckError as exc:  # the store is away: the device work records the failure
            log.warning("execution %s: heartbeat failed: %s", execution_id, exc)
