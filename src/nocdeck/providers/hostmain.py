"""The provider host process: runs the SSH sessions of one `nocdeck` command on a core of
its own (see `nocdeck.providers.host`).

    python -m nocdeck.providers.hostmain FD

FD is this end of a socketpair that the parent passed down. Each provider here is the same
driver class the parent would have run in-process, built from the device and credentials the
parent resolved (secrets cross the socket only, never a file or an argument). Its dialogue,
already masked, goes back as it happens; each call's result or typed error after it. When
the parent goes away (its end closes, also on kill -9), the host exits at once: the kernel
closes every device connection, as it would have for the parent's own.

It also holds the command's store (`nocdeck.store.remote`): SQLAlchemy, the database's
connections and the store's writer thread live here, so nocdeck itself never imports them.
The store loads first (nocdeck needs it first), the drivers next, in a thread, while the
first store calls are served. A store write in flight when nocdeck goes away is rolled back
with this process, as it would have been with nocdeck's.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import socket
import sys
import threading
from collections.abc import Awaitable
from functools import cache
from typing import Any

from nocdeck.errors import NocdeckError
from nocdeck.heap import loading
from nocdeck.providers import hostwire as wire
from nocdeck.providers.base import DialogueLine
from nocdeck.providers.registry import PROVIDERS, construct_provider
from nocdeck.redaction import GLOBAL_REDACTOR, install_log_redaction

log = logging.getLogger(__name__)


@cache
def store_calls() -> frozenset[str]:
    """The Store methods the host runs: its public coroutines (not `open`: STORE does)."""
    from nocdeck.store import Store

    return frozenset(name for name, member in inspect.getmembers(Store)
                     if inspect.iscoroutinefunction(member) and not name.startswith("_")
                     and name != "open")


class Host:
    """Serves one parent: its providers and store by id, its calls in flight by id."""

    def __init__(self) -> None:
        self.providers: dict[int, Any] = {}
        """Providers, and the store (its id in `stores`)."""
        self.stores: set[int] = set()
        self.broken: dict[int, BaseException] = {}
        """Providers that could not be built: each call on one raises why."""
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self.wire = wire.FrameProtocol(self.received, self.lost)

    def lost(self, _exc: Exception | None) -> None:
        """nocdeck is gone (it ended, or was killed): stop now, mid-call or not. Nothing more
        is sent to any device: the kernel closes their connections, as it did nocdeck's."""
        os._exit(0)

    def received(self, batch: list[wire.Message]) -> None:
        for message in batch:
            kind = message[0]
            if kind == wire.CALL:
                _, call_id, provider_id, method, args, kwargs = message
                self.tasks[call_id] = asyncio.create_task(
                    self.call(call_id, provider_id, method, args, kwargs))
            elif kind == wire.OPEN:
                self.open(*message[1:])
            elif kind == wire.STORE:
                _, call_id, store_id, url = message
                self.tasks[call_id] = asyncio.create_task(
                    self.answer(call_id, self.open_store(store_id, url)))
            elif kind == wire.LOGGING:
                log_like_parent(message[1])
            elif kind == wire.SECRETS:
                GLOBAL_REDACTOR.add_secrets(message[1])
            elif kind == wire.CANCEL:
                task = self.tasks.get(message[1])
                if task is not None:
                    task.cancel()

    def open(self, provider_id: int, driver: str, device: Any, credentials: Any,
             options: Any, workers: int) -> None:
        send = self.wire.send

        def dialogue(line: DialogueLine) -> None:
            send((wire.DIALOGUE, provider_id, line.direction, line.text, line.at))

        try:
            self.providers[provider_id] = construct_provider(
                driver, device, credentials, options=options, on_dialogue=dialogue,
                redactor=GLOBAL_REDACTOR, workers=workers)
        except Exception as exc:
            self.broken[provider_id] = exc

    async def open_store(self, store_id: int, url: str) -> str:
        from nocdeck.store import Store

        store = await Store.open(url)
        self.providers[store_id] = store
        self.stores.add(store_id)
        return store.url

    async def call(self, call_id: int, provider_id: int, method: str, args: tuple[Any, ...],
                   kwargs: dict[str, Any]) -> None:
        async def work() -> Any:
            allowed = store_calls() if provider_id in self.stores else wire.CALLS
            if method not in allowed:
                raise ValueError(f"no such call {method!r}")
            if provider_id in self.broken:
                raise self.broken[provider_id]
            return await getattr(self.providers[provider_id], method)(*args, **kwargs)

        await self.answer(call_id, work())

    async def answer(self, call_id: int, work: Awaitable[Any]) -> None:
        """Await `work` and send its value (DONE) or its error (FAILED) for `call_id`."""
        try:
            value = await work
        except asyncio.CancelledError as exc:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                return  # the parent's CANCEL: it stopped waiting and expects no answer
            self.wire.send((wire.FAILED, call_id, wire.encode_error(exc)))
        except BaseException as exc:
            if not isinstance(exc, NocdeckError):  # a bug: its traceback, for -v
                log.debug("call %s failed", call_id, exc_info=True)
            self.wire.send((wire.FAILED, call_id, wire.encode_error(exc)))
        else:
            self.wire.send((wire.DONE, call_id, value))
        finally:
            self.tasks.pop(call_id, None)


def log_like_parent(level: int) -> None:
    """Diagnostics at the parent's level on the stderr it shares, masked as its are."""
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s (provider host): "
                               "%(message)s")
    install_log_redaction()


async def serve(fd: int) -> None:
    loop = asyncio.get_running_loop()
    host = Host()
    sock = socket.socket(fileno=fd)
    await loop.connect_accepted_socket(lambda: host.wire, sock)
    host.wire.send((wire.READY, os.getpid()))
    await asyncio.get_running_loop().create_future()  # served until `Host.lost` ends it


def load_drivers() -> None:
    """The default driver, imported while the first store calls are served."""
    PROVIDERS["asyncssh"]


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python -m nocdeck.providers.hostmain FD (started by nocdeck itself)",
              file=sys.stderr)
        return 2
    with loading():  # the store first: nocdeck opens it before its first device session
        import nocdeck.store.store  # noqa: F401
    threading.Thread(target=load_drivers, name="drivers", daemon=True).start()
    asyncio.run(serve(int(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
