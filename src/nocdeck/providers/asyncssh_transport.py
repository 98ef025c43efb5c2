"""Fewer, fuller socket writes for asyncssh: what one event-loop turn sends leaves in one write.

asyncssh hands every SSH packet to the transport on its own, and puts an SSH_MSG_IGNORE packet
in front of every packet it sends once encryption is on: one typed line costs two `send()`
system calls and can wake the device's side twice. On a jump host changing hundreds of devices
those system calls were about half of the client's CPU (cProfile, 200 lab devices).
`CorkedTCP` is an asyncssh `tunnel` (its documented `create_connection` protocol) that opens a
plain TCP connection whose writes are held until the end of the current loop turn, then sent
together. Order is kept, nothing waits longer than one turn, `close()` sends what is held
first and `abort()` drops it, as asyncio's own transports do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any


class CorkedTransport(asyncio.Transport):
    """A TCP transport that writes everything written during one loop turn in one `send()`."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._direct = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._direct:
            self._flush()
            if not self._transport.is_closing():
                self._transport.write(data)
            return
        if not self._held:
            self._loop.call_soon(self._flush)
        self._held.append(bytes(data))

    @contextlib.contextmanager
    def uncorked(self) -> Iterator[None]:
        """Writes go out at once while this lasts: a typed line is one packet, sent alone
        anyway, and holding it would cost a loop turn and a callback per line."""
        self._direct = True
        try:
            yield
        finally:
            self._direct = False

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def _flush(self) -> None:
        if not self._held:
            return
        data = b"".join(self._held) if len(self._held) > 1 else self._held[0]
        self._held.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._held.clear()
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(len(d) for d in self._held)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()


class _CorkingProtocol(asyncio.Protocol):
    """Hands the SSH connection a corked transport; passes everything else straight on."""

    def __init__(self, inner: asyncio.Protocol) -> None:
        self.inner = inner
        self.transport: CorkedTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = CorkedTransport(transport, asyncio.get_running_loop())
        self.inner.connection_made(self.transport)

    def data_received(self, data: bytes) -> None:
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


class CorkedTCP:
    """`asyncssh.connect(..., tunnel=CorkedTCP())`: a direct TCP connection, corked writes."""

    def __init__(self) -> None:
        self.transport: CorkedTransport | None = None
        """The corked transport of the connection made (one per CorkedTCP)."""

    async def create_connection(self, session_factory: Callable[[], Any], remote_host: str,
                                remote_port: int) -> tuple[asyncio.BaseTransport, Any]:
        loop = asyncio.get_running_loop()
        holder: list[_CorkingProtocol] = []

        def factory() -> _CorkingProtocol:
            holder.append(_CorkingProtocol(session_factory()))
            return holder[0]

        transport, _ = await loop.create_connection(factory, remote_host, remote_port)
        self.transport = holder[0].transport
        return transport, holder[0].inner

    def uncorked(self) -> contextlib.AbstractContextManager[None]:
        """See `CorkedTransport.uncorked` (nothing to do before the connection exists)."""
        return self.transport.uncorked() if self.transport is not None \
            else contextlib.nullcontext()

    def close(self) -> None:
        """Nothing to close: each connection owns its socket (asyncssh's tunnel protocol)."""


def cork_server_connection(conn: Any) -> None:
    """Cork an asyncssh server connection, from `SSHServer.connection_made` (nothing sent yet).

    asyncssh offers no hook for a listener's sockets, so this replaces the connection's
    transport attribute; if a later asyncssh names it differently, nothing changes.
    """
    transport = getattr(conn, "_transport", None)
    if isinstance(transport, asyncio.Transport) and not isinstance(transport, CorkedTransport):
        conn._transport = CorkedTransport(transport, asyncio.get_running_loop())


_CHAFF = (2, (b"\x00\x00\x00\x00",))
"""SSH_MSG_IGNORE (2) with an empty string: what asyncssh sends before every packet."""


def drop_chaff(conn: Any) -> None:
    """Stop an asyncssh connection from sending an empty SSH_MSG_IGNORE before every packet
    once keys are exchanged. It is asyncssh's own habit, RFC 4251 9.3.1's guard against
    CBC's predictable IVs; the SSH servers of IOS, EOS and Junos send none, and some device
    servers have choked on them (asyncssh issue #299). The lab's servers and the provider's
    client connections (no CBC cipher offered: `asyncssh_shell.CIPHERS`) drop them, which
    halves the packets both sides encrypt, decrypt and dispatch. asyncssh inserts the packet
    by calling the connection's own `send_packet`, so an instance attribute filters it; if
    a later asyncssh works differently, nothing changes.
    """
    send = getattr(conn, "send_packet", None)
    if send is None:
        return

    def send_packet(pkttype: int, *args: bytes, **kwargs: Any) -> None:
        if (pkttype, args) != _CHAFF:
            send(pkttype, *args, **kwargs)

    conn.send_packet = send_packet


def quiet_packet_log(*parties: Any) -> None:
    """Skip asyncssh's per-packet log line when nothing would print it.

    asyncssh names and measures every packet it sends or receives (a formatted string per
    packet) before its logger decides, at packet level, to drop it; a fan-out sends tens of
    thousands. When the asyncssh logger is not enabled for DEBUG (packet logging is a
    level below DEBUG) the connection's and channel's packet-log methods are replaced by
    no-ops on those instances. With DEBUG on, nothing changes; if a later asyncssh names
    these methods differently, nothing changes either.
    """
    if logging.getLogger("asyncssh").isEnabledFor(logging.DEBUG):
        return
    for party in parties:
        for name in ("log_sent_packet", "log_received_packet"):
            if callable(getattr(party, name, None)):
                setattr(party, name, _no_packet_log)


def _no_packet_log(*_args: Any, **_kwargs: Any) -> None:
    """Stands in for asyncssh's packet log when the log is off (see `quiet_packet_log`)."""
