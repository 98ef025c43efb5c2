"""A small SSH terminal for the lab tests: what a person at `ssh -p PORT admin@127.0.0.1` sees."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import asyncssh

from nocdeck.lab import LabDeviceInfo

PROMPT = re.compile(r"[\w.-]+(\([\w-]+\))?[>#] ?$")


class Term:
    """An interactive session with a PTY (or without one), reading with timeouts."""

    def __init__(self, conn: Any, process: Any) -> None:
        self.conn = conn
        self.process = process
        self.seen = ""
        """Everything received so far (tests check what was, or was not, shown)."""
        self._buffer = ""

    @classmethod
    async def open(cls, info: LabDeviceInfo, *, pty: bool = True, timeout: float = 5.0
                   ) -> Term:
        conn = await asyncio.wait_for(asyncssh.connect(
            info.host, port=info.port, username=info.username, password=info.password,
            known_hosts=None), timeout)
        process = await conn.create_process(term_type="vt100" if pty else None)
        term = cls(conn, process)
        await term.read_until(PROMPT, timeout)
        return term

    async def read_until(self, pattern: re.Pattern[str] | str, timeout: float = 5.0) -> str:
        """Read until `pattern` matches the text received since the last read; return it."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not regex.search(self._buffer):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no {regex.pattern!r} in {self._buffer[-400:]!r}")
            chunk = await asyncio.wait_for(self.process.stdout.read(4096), remaining)
            if not chunk:
                raise EOFError(f"channel closed; got {self._buffer[-400:]!r}")
            self._buffer += chunk
            self.seen += chunk
        text, self._buffer = self._buffer, ""
        return text

    def send(self, text: str) -> None:
        self.process.stdin.write(text)

    async def cmd(self, line: str, *, until: re.Pattern[str] | str = PROMPT,
                  timeout: float = 5.0) -> str:
        """Type a line and Enter; return what came back up to the next prompt."""
        self.send(line + "\n")
        return await self.read_until(until, timeout)

    async def enable(self, secret: str) -> None:
        await self.cmd("enable", until="Password: ")
        await self.cmd(secret)

    async def close(self) -> None:
        self.conn.close()
        await self.conn.wait_closed()
