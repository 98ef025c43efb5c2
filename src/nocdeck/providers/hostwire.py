"""The wire between nocdeck and its provider host process (`nocdeck.providers.host`).

Both ends speak in batches: every message one side has for the other during one turn of its
event loop goes out as one frame (a 4-byte length, then a pickle of the list of messages),
so 200 devices' dialogue costs a few hundred writes, not tens of thousands. Only the two
processes of one `nocdeck` command share the socket (a socketpair, never a file or a port),
which is why pickle is fine here: neither end reads anything else.

Errors cross as data, not pickled exceptions: nocdeck's typed errors take their own
arguments (`DeviceError(device, message)`), which pickle's default cannot rebuild.
"""

from __future__ import annotations

import asyncio
import pickle
import struct
from collections.abc import Callable
from typing import Any

from nocdeck import errors

HEADER = struct.Struct("!I")
Message = tuple[Any, ...]

# Parent -> host
OPEN = "open"
"""(OPEN, provider id, driver name, device, credentials, options, worker threads)"""
CALL = "call"
"""(CALL, call id, provider id, method name, args, kwargs)"""
CANCEL = "cancel"
"""(CANCEL, call id): the caller stopped waiting (Ctrl-C, a timeout): cancel the work."""
LOGGING = "logging"
"""(LOGGING, level): the parent's log level; the host logs at it to the same stderr."""
SECRETS = "secrets"
"""(SECRETS, [secret, ...]): secrets the parent learned; the host masks them too."""

# Host -> parent
READY = "ready"
"""(READY, pid): the host has imported its drivers and serves calls."""
DIALOGUE = "dialogue"
"""(DIALOGUE, provider id, direction, text, at): one masked DialogueLine."""
DONE = "done"
"""(DONE, call id, value)"""
FAILED = "failed"
"""(FAILED, call id, encoded error)"""

CALLS = frozenset({"connect", "close", "get_running_config", "run_commands", "push_config",
                   "confirm_commit", "save_config"})
"""The Provider methods the host runs; nothing else is callable across the wire."""


def encode_error(exc: BaseException) -> tuple[str, str, tuple[Any, ...], dict[str, Any]]:
    """A nocdeck error as (kind, class name, args, attributes); anything else by its text."""
    if isinstance(exc, errors.NocdeckError) and getattr(errors, type(exc).__name__,
                                                        None) is type(exc):
        return ("nocdeck", type(exc).__name__, exc.args, dict(vars(exc)))
    return ("other", type(exc).__name__, (str(exc),), {})


def decode_error(encoded: tuple[str, str, tuple[Any, ...], dict[str, Any]], device: str
                 ) -> BaseException:
    """The exception `encode_error` described, of the same class with the same attributes;
    anything but a nocdeck error becomes a DeviceError naming `device`."""
    kind, name, args, state = encoded
    if kind == "nocdeck":
        cls = getattr(errors, name)
        exc: BaseException = cls.__new__(cls)
        exc.args = args
        exc.__dict__.update(state)
        return exc
    return errors.DeviceError(device, f"provider host: {name}: {args[0] if args else ''}")


class FrameProtocol(asyncio.Protocol):
    """Length-prefixed pickled batches in both directions over one stream socket."""

    def __init__(self, on_messages: Callable[[list[Message]], None],
                 on_lost: Callable[[Exception | None], None]) -> None:
        self._on_messages = on_messages
        self._on_lost = on_lost
        self._buffer = bytearray()
        self._outbox: list[Message] = []
        self._flush_scheduled = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._on_lost(exc)

    def send(self, message: Message) -> None:
        """Queue a message; the batch leaves at the end of this event-loop turn."""
        self._outbox.append(message)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self._flush_scheduled = False
        if not self._outbox or self.transport is None or self.transport.is_closing():
            self._outbox.clear()
            return
        body = pickle.dumps(self._outbox, protocol=pickle.HIGHEST_PROTOCOL)
        self._outbox = []
        self.transport.write(HEADER.pack(len(body)) + body)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        start = 0
        size = len(buffer)
        while size - start >= HEADER.size:
            (length,) = HEADER.unpack_from(buffer, start)
            end = start + HEADER.size + length
            if end > size:
                break
            with memoryview(buffer) as view:
                batch = pickle.loads(view[start + HEADER.size:end])
            start = end
            self._on_messages(batch)
        del buffer[:start]
