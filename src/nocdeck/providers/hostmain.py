"""The provider host process: runs the SSH sessions of one `nocdeck` command on a core of
its own (see `nocdeck.providers.host`).

    python -m nocdeck.providers.hostmain FD

FD is this end of a socketpair that the parent passed down. Each provider here is the same
driver class the parent would have run in-process, built from the device and credentials the
parent resolved (secrets cross the socket only, never a file or an argument). Its dialogue,
already masked, goes back as it happens; each call's result or typed error after it. When
the parent goes away (its end closes, also on kill -9), the host exits at once: the kernel
closes every device connection, as it would have for the parent's own.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from typing import Any

from nocdeck.errors import NocdeckError
from nocdeck.heap import loading
from nocdeck.providers import hostwire as wire
from nocdeck.providers.base import DialogueLine, Provider
from nocdeck.providers.registry import PROVIDERS, construct_provider
from nocdeck.redaction import GLOBAL_REDACTOR, install_log_redaction

log = logging.getLogger(__name__)


class Host:
    """Serves one parent: its providers by id, its calls in flight by id."""

    def __init__(self) -> None:
        self.providers: dict[int, Provider] = {}
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

    async def call(self, call_id: int, provider_id: int, method: str, args: tuple[Any, ...],
                   kwargs: dict[str, Any]) -> None:
        try:
            if method not in wire.CALLS:
                raise ValueError(f"no such call {method!r}")
            if provider_id in self.broken:
                raise self.broken[provider_id]
            provider = self.providers[provider_id]
            value = await getattr(provider, method)(*args, **kwargs)
        except asyncio.CancelledError as exc:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                return  # the parent's CANCEL: it stopped waiting and expects no answer
            self.wire.send((wire.FAILED, call_id, wire.encode_error(exc)))
        except BaseException as exc:
            if not isinstance(exc, NocdeckError):  # a driver bug: its traceback, for -v
                log.debug("%s on device call %s failed", method, provider_id, exc_info=True)
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


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python -m nocdeck.providers.hostmain FD (started by nocdeck itself)",
              file=sys.stderr)
        return 2
    with loading():  # the default driver loads now, while the parent starts up
        PROVIDERS["asyncssh"]
    asyncio.run(serve(int(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
