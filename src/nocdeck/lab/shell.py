"""The terminal side of a lab device: what an SSH client sees, whatever the platform.

Echo of typed characters (with a PTY), \\r / \\n / \\r\\n line endings, backspace, hidden input
after a password prompt, `--More--` paging, `exec` requests, the journal and the faults live
here; what a line *means* is the platform session's business (`nocdeck.lab.platform`).
Callbacks, not a task per session, keep a session cheap: the lab serves hundreds at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import asyncssh

from nocdeck.lab.platform import PlatformSession, Reply

if TYPE_CHECKING:
    from nocdeck.lab.server import DeviceRuntime

log = logging.getLogger(__name__)

HIDDEN_LINE = "********"
"""What the journal keeps of a line typed after a password prompt."""
MORE_PROMPTS = {"juniper_junos": "---(more)---"}
DEFAULT_MORE = " --More-- "
_TYPED = re.compile(r"[^\x00-\x08\x0a-\x1f\x7f]+")
"""A run of characters that only add to the line (tab and printable ones): taken in one step
rather than one loop turn per character."""


class LabShell(asyncssh.SSHServerSession[str]):
    """One SSH session (shell or exec) on one lab device."""

    def __init__(self, runtime: DeviceRuntime, new_session: Callable[[], PlatformSession]
                 ) -> None:
        self._runtime = runtime
        self._new_session = new_session
        self._chan: Any = None
        self._pty = False
        self._command: str | None = None
        self._session: PlatformSession | None = None
        self._input = ""
        self._line: list[str] = []
        self._last_cr = False
        self._hidden = False
        self._busy = False
        self._closed = False
        self._hung = False
        self._config_lines = 0
        self._pager: list[str] = []
        self._pager_prompt = ""
        self._paging = False
        self._out: list[str] = []
        """Output gathered while handling input, sent as one SSH packet (not one per echo)."""

    # -- asyncssh callbacks --------------------------------------------------------------
    def connection_made(self, chan: Any) -> None:
        self._chan = chan

    def pty_requested(self, term_type: str, term_size: Any, term_modes: Any) -> bool:
        self._pty = True
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self._command = command
        return True

    def session_started(self) -> None:
        session = self._new_session()
        self._session = session
        if self._runtime.faults.hang_after_login:
            self._hung = True
            return
        if self._command is not None:
            self._line_done(self._command, exec_request=True)
            return
        banner = session.login_banner()
        self._write((banner + "\n" if banner and not banner.endswith("\n") else banner)
                    + session.prompt())
        self._flush()

    def data_received(self, data: str, datatype: Any) -> None:
        if self._hung or self._closed:
            return
        self._input += data
        self._pump()

    def eof_received(self) -> bool:
        return False

    def break_received(self, msec: int) -> bool:
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        if self._session is not None:
            try:
                self._session.on_disconnect()
            except Exception:  # a platform bug must not take the server down
                log.exception("lab %s: on_disconnect failed", self._runtime.device.name)

    # -- input ---------------------------------------------------------------------------
    def _pump(self) -> None:
        """Consume buffered input until a line needs an answer later (latency, paging)."""
        while self._input and not self._busy and not self._closed:
            typed = None if self._paging else _TYPED.match(self._input)
            if typed is not None:
                text = typed.group()
                self._input = self._input[len(text):]
                self._last_cr = False
                self._line.extend(text)
                if self._pty and not self._hidden:
                    self._write(text)
                continue
            char, self._input = self._input[0], self._input[1:]
            if self._paging:
                self._pager_key(char)
                continue
            if char == "\n" and self._last_cr:
                self._last_cr = False
                continue
            self._last_cr = char == "\r"
            if char in "\r\n":
                line = "".join(self._line)
                self._line = []
                if self._pty:
                    self._write("\r\n")
                self._line_done(line)
            elif char in "\x7f\x08":
                if self._line:
                    self._line.pop()
                    if self._pty and not self._hidden:
                        self._write("\b \b")
            elif char == "\x15":
                self._line = []
            elif char >= " " or char == "\t":
                self._line.append(char)
                if self._pty and not self._hidden:
                    self._write(char)
        self._flush()

    def _line_done(self, line: str, *, exec_request: bool = False) -> None:
        session, runtime = self._session, self._runtime
        assert session is not None
        hidden, self._hidden = self._hidden, False
        mode = "exec" if exec_request else session.mode
        runtime.device.record(HIDDEN_LINE if hidden else line, mode, runtime.session_id(self))
        if mode.startswith("config") and not hidden and line.strip():
            self._config_lines += 1
            limit = runtime.faults.drop_after_config_lines
            if limit is not None and self._config_lines > limit:
                log.info("lab %s: dropping the connection (fault)", runtime.device.name)
                self._closed = True
                self._chan.get_extra_info("connection").abort()
                return
        latency = runtime.faults.latency
        if latency > 0:
            self._busy = True
            asyncio.get_running_loop().call_later(
                latency, self._answer, line, hidden, exec_request)
        else:
            self._answer(line, hidden, exec_request)

    def _answer(self, line: str, hidden: bool, exec_request: bool) -> None:
        self._busy = False
        if self._closed:
            return
        session = self._session
        assert session is not None
        try:
            if not hidden and line.strip() and self._runtime.faults.rejects(line):
                reply = session.rejected_reply(line)
            elif exec_request:
                reply = session.run_exec(line)
            else:
                reply = session.handle_line(line)
        except Exception:  # a platform bug answers like a device would, never kills the lab
            log.exception("lab %s: error handling a line", self._runtime.device.name)
            reply = Reply(output="% Internal error")
        if exec_request:
            self._write(reply.output + ("\n" if reply.output else ""))
            self._close(reply.exit_status)
            return
        self._respond(reply)
        self._pump()
        self._flush()

    # -- output --------------------------------------------------------------------------
    def _respond(self, reply: Reply) -> None:
        session = self._session
        assert session is not None
        output = reply.output
        if output and not output.endswith("\n"):
            output += "\n"  # every line ends with a newline, the last one too
        if reply.close:
            self._write(output)
            self._close(reply.exit_status)
            return
        self._hidden = reply.hide_input
        prompt = reply.prompt if reply.prompt is not None else session.prompt()
        page = session.screen_length - 1
        if session.screen_length > 0 and output.count("\n") > page > 0:
            lines = output.split("\n")[:-1]
            self._write("".join(line + "\n" for line in lines[:page]))
            self._pager, self._pager_prompt, self._paging = lines[page:], prompt, True
            self._write(self._more())
            return
        self._write(output + prompt)

    def _more(self) -> str:
        return MORE_PROMPTS.get(self._runtime.device.platform, DEFAULT_MORE)

    def _pager_key(self, char: str) -> None:
        """Space: next page; Enter: next line; anything else (q): stop."""
        session = self._session
        assert session is not None
        width = len(self._more())
        self._write("\b" * width + " " * width + "\b" * width)
        if char == " ":
            count = max(1, session.screen_length - 1)
        elif char in "\r\n":
            count = 1
        else:
            count = 0
            self._pager = []
        shown, self._pager = self._pager[:count], self._pager[count:]
        self._write("".join(line + "\n" for line in shown))
        if self._pager:
            self._write(self._more())
        else:
            self._paging = False
            self._write(self._pager_prompt)

    def _write(self, text: str) -> None:
        if text and not self._closed:
            self._out.append(text)

    def _flush(self) -> None:
        if not self._out:
            return
        text, self._out = "".join(self._out), []
        if self._closed or self._chan.get_extra_info("connection") is None:
            return
        if self._pty:
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        try:
            self._chan.write(text)
        except (asyncssh.Error, BrokenPipeError, OSError):
            self._closed = True

    def _close(self, status: int) -> None:
        if self._closed:
            return
        self._flush()
        self._closed = True
        with contextlib.suppress(asyncssh.Error, OSError):
            self._chan.exit(status)
