"""Drive a terminal from a test: the far end of a pty, as a user's keyboard and screen.

`PtyUser` types into the master side and reads what the session shows; `expect` waits (with
a deadline, never forever) for text on the screen. The screen itself is a `pyte` emulator
fed with exactly the bytes the user saw.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import struct
import termios
import time

import pyte

TIMEOUT = 15.0


def set_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class PtyUser:
    """The user's side of a pty: keyboard in, screen out."""

    def __init__(self, master: int, cols: int = 80, rows: int = 24) -> None:
        self.master = master
        self.seen = bytearray()
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        os.set_blocking(master, False)

    def pump(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except (BlockingIOError, OSError):
                return
            if not data:
                return
            self.seen.extend(data)
            self.stream.feed(data)

    async def expect(self, text: str, *, after: int = 0, timeout: float = TIMEOUT) -> int:
        """Wait until `text` shows up after byte `after`; the offset just past it."""
        deadline = time.monotonic() + timeout
        needle = text.encode()
        while True:
            self.pump()
            found = self.seen.find(needle, after)
            if found >= 0:
                return found + len(needle)
            if time.monotonic() > deadline:
                tail = bytes(self.seen[-300:]).decode(errors="replace")
                raise AssertionError(f"{text!r} never appeared; the screen ended with {tail!r}")
            await asyncio.sleep(0.01)

    async def run(self, line: str, until: str, *, timeout: float = TIMEOUT) -> int:
        start = len(self.seen)
        os.write(self.master, line.encode() + b"\r")
        return await self.expect(until, after=start, timeout=timeout)

    async def quiet(self, seconds: float = 0.3) -> None:
        """Wait until nothing new arrived for `seconds`."""
        last = -1
        while last != len(self.seen):
            last = len(self.seen)
            await asyncio.sleep(seconds)
            self.pump()

    def resize(self, slave: int, cols: int, rows: int, *, pid: int | None = None) -> None:
        """What a terminal window does: new size on the pty, SIGWINCH to the session."""
        set_size(slave, cols, rows)
        self.screen.resize(rows, cols)
        os.kill(pid or os.getpid(), signal.SIGWINCH)

    def display(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]
