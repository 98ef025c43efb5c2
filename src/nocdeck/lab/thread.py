"""`LabThread`: a lab on its own event loop in a background thread.

Synchronous code (netmiko, pytest tests without asyncio) needs devices that answer while it
blocks; the lab runs in a daemon thread and every accessor hops onto its loop, so reading a
device's journal or changing its faults is safe from any thread. Every wait has a timeout.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from types import TracebackType
from typing import Any, TypeVar

from nocdeck.errors import LabError
from nocdeck.inventory import Inventory
from nocdeck.lab.faults import DeviceFaults
from nocdeck.lab.platform import JournalEntry, LabDevice
from nocdeck.lab.server import Lab, LabDeviceInfo, LabSpec

T = TypeVar("T")


class LabThread:
    """`with LabThread(LabSpec(devices=3)) as lab:` — started on enter, stopped on exit."""

    def __init__(self, spec: LabSpec, *, timeout: float = 30.0) -> None:
        self.spec = spec
        self.timeout = timeout
        self.lab = Lab(spec)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="nocdeck-lab", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def _await(self, coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout=self.timeout)
        except TimeoutError:
            future.cancel()
            raise LabError(f"the lab did not answer within {self.timeout:g} s") from None

    def _call(self, function: Callable[[], T]) -> T:
        async def call() -> T:
            return function()

        result: T = self._await(call())
        return result

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> LabThread:
        self._thread.start()
        try:
            self._await(self.lab.start())
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._loop.is_closed():
            return
        if self._thread.is_alive():
            try:
                self._await(self.lab.stop())
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(timeout=self.timeout)
        if not self._thread.is_alive():
            self._loop.close()

    def __enter__(self) -> LabThread:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- the same accessors as Lab, thread-safe ------------------------------------------
    @property
    def devices(self) -> list[LabDeviceInfo]:
        return self._call(lambda: self.lab.devices)

    def info(self, name: str) -> LabDeviceInfo:
        for info in self.devices:
            if info.name == name:
                return info
        raise LabError(f"the lab has no device {name!r}")

    def device(self, name: str) -> LabDevice:
        return self._call(lambda: self.lab.device(name))

    def set_faults(self, name: str, faults: DeviceFaults) -> None:
        self._call(lambda: self.lab.set_faults(name, faults))

    def rotate_host_key(self, name: str) -> None:
        self._await(self.lab.rotate_host_key(name))

    def inventory(self) -> Inventory:
        return self._call(self.lab.inventory)

    def running_config(self, name: str) -> str:
        return self._call(lambda: self.lab.running_config(name))

    def journal(self, name: str) -> list[JournalEntry]:
        return self._call(lambda: list(self.lab.device(name).journal))

    def config_lines_received(self, name: str) -> list[str]:
        """Lines the device received in a configuration mode (a dry run leaves none)."""
        return [entry.line for entry in self.journal(name) if entry.is_config]
