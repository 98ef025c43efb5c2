"""The engine's Backend survives a screen giving up on a call while the workspace opens.

Given a workspace that takes a moment to open, when a screen's worker waiting for it is
cancelled (an exclusive reload, a screen switched away), then the next call still gets the
workspace: the cancel must not reach the workspace itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from nocdeck.config import Settings
from nocdeck.screens.backend import Backend
from nocdeck.store import Store
from nocdeck.workspace import Workspace

pytestmark = pytest.mark.timeout(30)


async def test_a_cancelled_waiter_does_not_cancel_the_workspace(tmp_path: Path) -> None:
    @asynccontextmanager
    async def slow_opener(settings: Settings) -> AsyncIterator[Workspace]:
        await asyncio.sleep(0.5)
        store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/b.db")
        try:
            yield Workspace(settings, store)
        finally:
            await store.close()

    backend = Backend(Settings(), opener=slow_opener)
    backend.start()
    try:
        waiting = asyncio.ensure_future(backend.call(lambda ws: ws.store.list_executions()))
        await asyncio.sleep(0.1)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        found = await asyncio.wait_for(backend.call(lambda ws: ws.store.list_executions()), 10)
        assert found == []
        assert backend.workspace_now() is not None
    finally:
        await asyncio.to_thread(backend.stop)
