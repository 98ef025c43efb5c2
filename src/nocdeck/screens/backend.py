"""The engine's home inside the TUI: its own thread and asyncio loop, never the UI's.

Planning a 100,000-line config, the lab's SSH servers and the store's connections all live
on this loop, so the UI loop only paints and answers keys. Screens hand it coroutines with
`call` and await the answer; engine events come back through the sink the screen passes in
(`App.post_message` is safe to call from this thread). Nothing here imports Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from nocdeck.config import Settings
    from nocdeck.workspace import Workspace

T = TypeVar("T")

WorkspaceOpener = Callable[["Settings"], AbstractAsyncContextManager["Workspace"]]
"""Opens what the app works with; `nocdeck.workspace.open_workspace` unless a test injects one."""


def _default_opener(settings: Settings) -> AbstractAsyncContextManager[Workspace]:
    from nocdeck.workspace import open_workspace

    return open_workspace(settings)


class Backend:
    """Opens the workspace on a background loop and runs engine coroutines there."""

    def __init__(self, settings: Settings, *, opener: WorkspaceOpener | None = None) -> None:
        self.settings = settings
        self._opener = opener or _default_opener
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="nocdeck-engine",
                                        daemon=True)
        self._ready: Future[Workspace] = Future()
        self._stop: asyncio.Event | None = None
        self._closed: Future[None] = Future()

    def start(self) -> None:
        """Start the thread and begin opening the workspace (catalog, lab, store)."""
        if self._thread.is_alive():
            return
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._hold(), self._loop)

    async def _hold(self) -> None:
        self._stop = asyncio.Event()
        try:
            async with self._opener(self.settings) as workspace:
                self._ready.set_result(workspace)
                await self._stop.wait()
        except BaseException as exc:  # reported to whoever waits for the workspace
            if not self._ready.done():
                self._ready.set_exception(exc)
        finally:
            self._closed.set_result(None)

    async def workspace(self) -> Workspace:
        """The open workspace; raises what opening it raised (a NocdeckError for bad input)."""
        return await self._wait_ready()

    async def _wait_ready(self) -> Workspace:
        # Shielded: a cancelled waiter (a screen's exclusive worker restarted while the
        # workspace still opens) would otherwise cancel `_ready` itself through wrap_future,
        # and every later call would fail with CancelledError.
        return await asyncio.shield(asyncio.wrap_future(self._ready))

    def workspace_now(self) -> Workspace | None:
        """The workspace if it is open already (screens opened after the catalog loaded)."""
        if self._ready.done() and self._ready.exception() is None:
            return self._ready.result()
        return None

    def submit(self, make: Callable[[Workspace], Awaitable[T]]) -> Future[T]:
        """Run `make(workspace)` on the engine loop; a concurrent Future of its result."""
        async def run() -> T:
            workspace = await self._wait_ready()
            return await make(workspace)

        return asyncio.run_coroutine_threadsafe(run(), self._loop)

    async def call(self, make: Callable[[Workspace], Awaitable[T]]) -> T:
        """Await `make(workspace)` run on the engine loop, from the UI loop."""
        return await asyncio.wrap_future(self.submit(make))

    async def run_sync(self, work: Callable[[], T]) -> T:
        """Run CPU work (a big diff) on a worker thread of the engine loop."""
        async def run(_: Workspace) -> T:
            return await asyncio.get_running_loop().run_in_executor(None, work)

        return await self.call(run)

    def call_soon(self, work: Callable[[], object]) -> None:
        """Run a quick callback on the engine loop (cancel a run's token)."""
        self._loop.call_soon_threadsafe(work)

    def stop(self, timeout: float = 10.0) -> None:
        """Close the store and stop the lab, then the loop; bounded by `timeout`."""
        if not self._thread.is_alive():
            return
        stop = self._stop
        if stop is not None:
            self._loop.call_soon_threadsafe(stop.set)
            with contextlib.suppress(Exception):  # already reported through workspace()
                self._closed.result(timeout=timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=timeout)
