"""An interactive, recorded SSH session on the user's terminal: `nocdeck ssh` and the TUI.

The local terminal goes to raw mode, so every key (ctrl-c, arrows, the pager's space) goes to
the device unchanged, and the device's output goes to the screen unchanged; the recorder
sees both on the way. Window resizes (SIGWINCH) are passed on. The SessionRecord is
committed before `run_interactive_session` returns, so the caller can list it at once.

The TUI calls it inside `App.suspend()` with its own file descriptors; headless tests call
it with the ends of a pty or a pipe.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import signal
import termios
import tty
from collections.abc import Iterator
from dataclasses import dataclass

import asyncssh

from nocdeck.config import Settings
from nocdeck.credentials.resolver import resolve_credentials_async
from nocdeck.errors import BadInput
from nocdeck.inventory.models import Device
from nocdeck.recordings.connect import connect_device
from nocdeck.recordings.recorder import SessionRecorder
from nocdeck.recordings.retention import apply_retention
from nocdeck.redaction import GLOBAL_REDACTOR, Redactor
from nocdeck.store.sessions import SessionsMixin

MIN_SIZE = (20, 5)
"""The smallest terminal (columns, rows) a device CLI is usable in."""
DEFAULT_SIZE = (80, 24)
READ_SIZE = 65536
SSH_WINDOW = 512 * 1024
"""The session channel's SSH window: the most device output in flight or waiting in memory
(10 MB/s at 50 ms round trip, far beyond a terminal's need)."""
DROPPED_EXIT = 255
"""Exit status when the link drops before the device reports one (as `ssh` does)."""


@dataclass(frozen=True)
class SessionResult:
    """How a session ended; its record is already committed."""

    session_id: str
    device: str
    exit_status: int
    complete: bool
    """The device closed the session and reported its exit status."""
    message: str = ""
    """Why it ended otherwise (link dropped, store failed), for one line to the user."""


def terminal_size(fd: int) -> tuple[int, int]:
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return DEFAULT_SIZE
    return (size.columns, size.lines) if size.columns and size.lines else DEFAULT_SIZE


def check_size(device: str, size: tuple[int, int]) -> None:
    cols, rows = size
    if cols < MIN_SIZE[0] or rows < MIN_SIZE[1]:
        raise BadInput(f"{device}: terminal too small ({cols}x{rows}); a session needs at "
                       f"least {MIN_SIZE[0]}x{MIN_SIZE[1]}")


@contextlib.contextmanager
def raw_terminal(fd: int) -> Iterator[None]:
    """Raw mode for a tty (keys pass through, ctrl-c included); nothing for a pipe."""
    if not os.isatty(fd):
        yield
        return
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSAFLUSH, saved)


async def run_interactive_session(
    device: Device,
    settings: Settings,
    store: SessionsMixin,
    *,
    stdin_fd: int = 0,
    stdout_fd: int = 1,
    term_size: tuple[int, int] | None = None,
    term_type: str | None = None,
) -> SessionResult:
    """Log in to `device`, bridge it to the given terminal, record it; return how it ended.

    Raises (before anything is recorded) CredentialError, HostKeyError,
    AuthenticationFailed, DeviceUnreachable/DeviceTimeout or BadInput (terminal too small).
    """
    size = term_size or terminal_size(stdout_fd)
    check_size(device.name, size)
    credentials = await resolve_credentials_async(device, settings=settings)
    redactor = Redactor()
    redactor.add_secrets(credentials.secrets())
    GLOBAL_REDACTOR.add_secrets(credentials.secrets())
    conn = await connect_device(device, credentials, known_hosts=settings.known_hosts or None,
                                connect_timeout=settings.connect_timeout)
    async with conn:
        await apply_retention(store, settings)
        recorder = SessionRecorder(store, device=device.name, user=settings.user,
                                   platform=device.platform, redactor=redactor,
                                   record_input=settings.record_input)
        await recorder.start(*size)
        bridge = TerminalBridge(recorder, stdin_fd, stdout_fd, size,
                                follow_size=term_size is None)
        try:
            channel, _ = await conn.create_session(
                bridge.session, term_type=term_type or os.environ.get("TERM") or "xterm-256color",
                term_size=size, encoding=None, window=SSH_WINDOW)
            exit_status, message = await bridge.run(channel)
        except BaseException:
            await recorder.finish(exit_status=None, complete=False, status="dropped")
            raise
        complete = exit_status is not None
        await recorder.finish(exit_status=exit_status, complete=complete,
                              status="complete" if complete else "dropped")
    if recorder.failure is not None:
        message = f"the recording stopped part-way: {recorder.failure}"
    return SessionResult(recorder.session_id, device.name,
                         DROPPED_EXIT if exit_status is None else exit_status, complete, message)


class _DeviceSide(asyncssh.SSHClientSession[bytes]):
    """asyncssh hands the device's output to the bridge as it arrives (stdout and stderr)."""

    def __init__(self, bridge: TerminalBridge) -> None:
        self._bridge = bridge

    def connection_made(self, chan: asyncssh.SSHClientChannel[bytes]) -> None:
        self._bridge.channel = chan

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        self._bridge.device_output(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._bridge.device_closed(exc)


class TerminalBridge:
    """Copies keys to the device and output to the screen, feeding the recorder.

    Output comes through an asyncssh session callback, not a stream: while the recorder's
    store catches up, the bridge pauses the SSH channel itself, so at most one SSH window
    waits in memory and the device waits. (asyncssh's streams pause on their own and, on
    each resume, re-open the whole window while megabytes still sit in the channel: that
    buffer grew with the session, +38 MB for 60 MB of output.) Between pauses the bridge
    takes at least one window, so the channel holds at most two.
    """

    def __init__(self, recorder: SessionRecorder | None, stdin_fd: int, stdout_fd: int,
                 size: tuple[int, int], *, follow_size: bool = True) -> None:
        self.recorder = recorder
        self.stdin_fd = stdin_fd
        self.stdout_fd = stdout_fd
        self.size = size
        self.follow_size = follow_size
        self.channel: asyncssh.SSHClientChannel[bytes] | None = None
        self._decode_out = codecs.getincrementaldecoder("utf-8")("replace")
        self._decode_in = codecs.getincrementaldecoder("utf-8")("replace")
        self._closed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._holding: asyncio.Task[None] | None = None
        self._unrecorded: list[bytes] = []
        self._since_resume = 0
        """Output taken since the channel last resumed: asyncssh re-opens the whole window
        on a resume, so the bridge takes at least one window before it pauses again (else
        the channel's buffer grows by the difference at every pause)."""

    def session(self) -> _DeviceSide:
        """The asyncssh session factory for `create_session`."""
        return _DeviceSide(self)

    async def run(self, channel: asyncssh.SSHClientChannel[bytes]) -> tuple[int | None, str]:
        """Bridge until the device ends the session; (exit status or None, message)."""
        loop = asyncio.get_running_loop()
        self.channel = channel
        with raw_terminal(self.stdin_fd), self._resizes(loop):
            loop.add_reader(self.stdin_fd, self._keys)
            try:
                message = await self._closed
            finally:
                loop.remove_reader(self.stdin_fd)
                self._record_output()
                if self._holding is not None:
                    self._holding.cancel()
        await channel.wait_closed()
        return channel.get_exit_status(), message

    def device_output(self, data: bytes) -> None:
        """Show the output at once; record it once per turn of the event loop (the SSH
        packets of one socket read are masked together, not 8 KB at a time)."""
        _write_all(self.stdout_fd, data)
        if self.recorder is None:
            return
        if not self._unrecorded:
            asyncio.get_running_loop().call_soon(self._record_output)
        self._unrecorded.append(data)

    def _record_output(self) -> None:
        """Hand the output shown so far to the recorder; pause the device if it lags."""
        recorder = self.recorder
        if recorder is None or not self._unrecorded:
            return
        data = b"".join(self._unrecorded)
        self._unrecorded.clear()
        recorder.output(self._decode_out.decode(data))
        self._since_resume += len(data)
        if recorder.backlogged and self._holding is None and self.channel is not None \
                and self._since_resume >= SSH_WINDOW:
            self.channel.pause_reading()
            self._holding = asyncio.get_running_loop().create_task(self._hold(recorder))

    async def _hold(self, recorder: SessionRecorder) -> None:
        """The device waits (channel paused) until the store has caught up."""
        try:
            await recorder.drained()
        finally:
            self._holding = None
            self._since_resume = 0
            if self.channel is not None:
                self.channel.resume_reading()

    def device_closed(self, exc: Exception | None) -> None:
        self._record_output()
        if self._closed.done():
            return
        device = self.recorder.device if self.recorder else "device"
        self._closed.set_result(f"{device}: connection lost: {exc}" if exc else "")

    def _keys(self) -> None:
        try:
            data = os.read(self.stdin_fd, READ_SIZE)
        except OSError:
            data = b""
        if not data:
            asyncio.get_running_loop().remove_reader(self.stdin_fd)
            self._channel().write_eof()
            return
        self._channel().write(data)
        if self.recorder is not None:
            self._record_output()
            self.recorder.input(self._decode_in.decode(data))

    def _resized(self) -> None:
        size = terminal_size(self.stdout_fd)
        if size == self.size:
            return
        self.size = size
        self._channel().change_terminal_size(*size)
        if self.recorder is not None:
            self._record_output()
            self.recorder.resize(*size)

    def _channel(self) -> asyncssh.SSHClientChannel[bytes]:
        assert self.channel is not None, "keys are read only once the channel is open"
        return self.channel

    @contextlib.contextmanager
    def _resizes(self, loop: asyncio.AbstractEventLoop) -> Iterator[None]:
        """Follow SIGWINCH (main thread), else poll the size twice a second."""
        if not self.follow_size:
            yield
            return
        try:
            previous = signal.signal(signal.SIGWINCH,
                                     lambda *_: loop.call_soon_threadsafe(self._resized))
        except ValueError:
            poller = loop.create_task(self._poll_size())
            try:
                yield
            finally:
                poller.cancel()
            return
        try:
            yield
        finally:
            signal.signal(signal.SIGWINCH, previous)

    async def _poll_size(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            self._resized()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            continue
        view = view[written:]
