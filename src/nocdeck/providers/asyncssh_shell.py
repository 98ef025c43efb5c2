"""One SSH connection and one interactive shell to a device, read prompt by prompt.

There are no fixed sleeps: every exchange sends a line and reads until the device shows a
prompt (or a `Password:` / yes-no question), answering `--More--` pagers on the way. A device
that stays silent longer than the timeout is a `DeviceTimeout`; a transport that closes under
us is `DeviceUnreachable`; a refused login is `AuthenticationFailed`; a host key that
known_hosts does not trust is a `HostKeyError` raised before any password is sent. Output is
streamed to the provider's masked dialogue as it arrives.

Output arrives through an asyncssh session callback, not a stream: each chunk is matched
where it lands, and the waiting exchange is woken once, when its prompt has come. (A stream
wakes the reading task for every chunk and re-arms a timeout for every read: on a jump host
changing hundreds of devices, that event-loop traffic cost more CPU than the SSH itself.)
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import asyncssh

from nocdeck.errors import (
    AuthenticationFailed,
    DeviceTimeout,
    DeviceUnreachable,
)
from nocdeck.providers.asyncssh_transport import CorkedTCP, drop_chaff, quiet_packet_log
from nocdeck.providers.cli_dialect import (
    PAGER,
    PASSWORD_PROMPT,
    QUESTION,
    CliDialect,
    HostPrompt,
)
from nocdeck.providers.hostkeys import HostKeyCheck, OfferedKeyRecorder

if TYPE_CHECKING:
    from nocdeck.providers.base import Provider

TERM_SIZE = (511, 1000)
"""Columns and rows of the PTY: wide enough that no device wraps a config line."""
CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com",
           "aes128-ctr", "aes192-ctr", "aes256-ctr")
"""asyncssh's own ciphers, AES-GCM first: one AES-NI call per packet where chacha20-poly1305
costs three Python-level cipher contexts (a CLI sends many small packets). No CBC mode:
so the empty SSH_MSG_IGNORE asyncssh puts before each packet (RFC 4251 9.3.1's guard for
CBC's predictable IVs) protects nothing here and is not sent (`drop_chaff`)."""
KEX_ALGS = "^curve25519-sha256,curve25519-sha256@libssh.org"
"""asyncssh's key exchanges with curve25519 moved first: its default, the post-quantum hybrid
mlkem768x25519, costs 0.8 ms more client CPU per login (3.4 vs 2.6 ms, lab, 20 logins) and a
fan-out logs in hundreds of times. Every other default stays offered, in its order."""


@functools.cache
def kex_algs() -> list[str] | str:
    """`KEX_ALGS` spelled out once per process as the list it stands for. asyncssh expands a
    pattern against every algorithm it knows (~90 wildcard matches) for each connection's
    options, a third of their cost; a list is only checked. The pattern itself when this
    asyncssh keeps its defaults elsewhere."""
    try:
        from asyncssh.kex import get_default_kex_algs, get_kex_algs
    except ImportError:  # pragma: no cover - a later asyncssh; the pattern still works
        return KEX_ALGS
    known = {alg.decode("ascii") for alg in get_kex_algs()}
    first = [alg for alg in KEX_ALGS.lstrip("^").split(",") if alg in known]
    rest = [alg.decode("ascii") for alg in get_default_kex_algs()]
    return list(dict.fromkeys([*first, *rest]))

Expect = Literal["prompt", "password", "question"]
_BACKSPACES = re.compile(r"[^\n]\x08|\x08")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass(frozen=True)
class Reply:
    """What a device answered to one line: its output and what it ended with."""

    output: str
    """The text between the echoed line and the next prompt, lines joined by `\\n`."""
    ended_with: Expect
    prompt: str = ""


class CliShell:
    """The SSH session of one `AsyncsshProvider`; it reports on the provider's dialogue."""

    read_size = 65536
    """Bytes asked for per read (tests shrink it to split a secret across reads)."""

    def __init__(self, provider: Provider, dialect: CliDialect) -> None:
        self.provider = provider
        self.dialect = dialect
        self.device = provider.device
        self.options = provider.options
        self._conn: asyncssh.SSHClientConnection | None = None
        self._tcp = CorkedTCP()
        """The connection's TCP tunnel (one per shell): typed lines go out uncorked."""
        self._chan: asyncssh.SSHClientChannel[str] | None = None
        self._prompt_re: re.Pattern[str] | HostPrompt = dialect.prompt
        self.prompt = ""
        self.level = ""
        self.mode = ""
        self.alive = False
        self._read: _Read | None = None
        """The exchange waiting for its prompt, if any."""
        self._early: list[str] = []
        """Output that came while no exchange was reading (kept for the next one)."""
        self._closed: BaseException | None = None
        """Why the channel ended (None while it is open)."""

    # -- connection ----------------------------------------------------------------------
    @property
    def where(self) -> str:
        return f"{self.device.host}:{self.device.port}"

    async def open(self) -> str:
        """Connect, log in, open the shell and read up to the first prompt; return the banner."""
        creds = self.provider.credentials
        check = HostKeyCheck(self.device, self.options.known_hosts)
        recorder = OfferedKeyRecorder()
        use_keys = creds.use_keys
        # Password before keyboard-interactive when the credential has one: one round trip
        # instead of two (asyncssh answers a keyboard-interactive prompt with the same
        # password, so a device that allows only that still logs in).
        secret_first = "password,keyboard-interactive" if creds.password else \
            "keyboard-interactive,password"
        methods = f"publickey,{secret_first}" if use_keys else secret_first
        try:
            async with asyncio.timeout(self.options.connect_timeout):
                self._conn = await asyncssh.connect(
                    self.device.host, self.device.port,
                    username=creds.username,
                    password=creds.password,
                    known_hosts=check.asyncssh_known_hosts() if check.enabled else None,
                    client_factory=lambda: recorder,
                    client_keys=() if use_keys else None,
                    agent_path=() if use_keys else None,
                    preferred_auth=methods,
                    gss_host=None,
                    config=None,
                    encryption_algs=list(CIPHERS),
                    kex_algs=kex_algs(),
                    tunnel=self._tcp,
                    connect_timeout=self.options.connect_timeout,
                )
                drop_chaff(self._conn)  # CIPHERS has no CBC mode: the IGNORE packets guard nothing
                self._chan, _ = await self._conn.create_session(
                    lambda: _ShellOutput(self), term_type="vt100", term_size=TERM_SIZE,
                    encoding="utf-8", errors="replace")
                quiet_packet_log(self._conn, self._chan)
        except asyncssh.HostKeyNotVerifiable:
            raise check.refusal(recorder.offered) from None
        except asyncssh.PermissionDenied:
            raise AuthenticationFailed(
                self.device.name,
                f"login refused for user {creds.username!r} at {self.where}") from None
        except TimeoutError:
            raise DeviceTimeout(self.device.name, f"no SSH login at {self.where} within "
                                f"{self.options.connect_timeout:g}s") from None
        except ConnectionRefusedError:
            raise DeviceUnreachable(self.device.name,
                                    f"connection refused by {self.where}") from None
        except (asyncssh.Error, OSError) as exc:
            raise DeviceUnreachable(self.device.name,
                                    f"cannot connect to {self.where}: {exc}") from None
        self.alive = True
        banner = await self.read_until(("prompt",), action="login",
                                       wait=self.options.connect_timeout)
        host = self.dialect.prompt.fullmatch(banner.prompt)
        if host is not None:
            self._prompt_re = self.dialect.prompt_for(host.group("host"))
        return banner.output

    async def close(self) -> None:
        """Close the channel and connection; never raises, safe to call twice."""
        self.alive = False
        conn, self._conn = self._conn, None
        if conn is None:
            return
        conn.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2.0):
                await conn.wait_closed()

    # -- exchanges -----------------------------------------------------------------------
    def send(self, line: str, *, hide: bool = False) -> None:
        """Type one line at the device; the dialogue shows it masked (or hidden)."""
        if self._chan is None or not self.alive:
            raise DeviceUnreachable(self.device.name, "not connected")
        if hide:
            self.provider.log_sent("*" * 8)
        else:
            self.provider.log_sent(line)
        try:
            with self._tcp.uncorked():
                self._chan.write(line + "\n")
        except (asyncssh.Error, OSError) as exc:
            self.alive = False
            raise DeviceUnreachable(self.device.name,
                                    f"connection to {self.where} lost: {exc}") from None

    async def command(self, line: str, *, expect: tuple[Expect, ...] = ("prompt",),
                      hide: bool = False, wait: float | None = None) -> Reply:
        """Send `line` and read the device's answer up to the next prompt (or question)."""
        self.send(line, hide=hide)
        reply = await self.read_until(expect, action=_Typed(self, line, hide), wait=wait)
        echo = "" if hide else line
        return Reply(_strip_echo(reply.output, echo), reply.ended_with, reply.prompt)

    async def type_ahead(self, lines: Sequence[str], *, wait: float | None = None
                         ) -> list[Reply]:
        """Type `lines` in one write, then read the answer to each. A CLI reads one line at
        a time and echoes it as it reads it, so line k+1's echo follows the prompt that ends
        line k's answer: the output is split at those prompts, and the exchange ends at the
        prompt after the last line. One round trip instead of one per line; only for a
        dialect whose `type_ahead` says a refused line cannot leave the rest applied."""
        if len(lines) == 1:
            return [await self.command(lines[0], wait=wait)]
        self._write_lines(lines)
        reply = await self.read_until(("prompt",), action=_Typed(self, lines[-1], False),
                                      wait=wait, prompts=len(lines))
        answers = self._answers(reply.output, len(lines))
        return [Reply(_strip_echo(answer, line), "prompt", reply.prompt)
                for answer, line in zip(answers, lines, strict=True)]

    async def block(self, lines: Sequence[str], *, wait: float | None = None) -> Reply:
        """Type lines the device answers with one prompt (a banner's header, body and closing
        line: no prompt comes between them) in one write, and read up to that prompt."""
        self._write_lines(lines)
        return await self.read_until(("prompt",), action=_Typed(self, lines[-1], False),
                                     wait=wait)

    def _write_lines(self, lines: Sequence[str]) -> None:
        if self._chan is None or not self.alive:
            raise DeviceUnreachable(self.device.name, "not connected")
        for line in lines:
            self.provider.log_sent(line)
        try:
            with self._tcp.uncorked():
                self._chan.write("".join(f"{line}\n" for line in lines))
        except (asyncssh.Error, OSError) as exc:
            self.alive = False
            raise DeviceUnreachable(self.device.name,
                                    f"connection to {self.where} lost: {exc}") from None

    def _answers(self, output: str, count: int) -> list[str]:
        """`output` cut at the prompts that begin a line: one answer per typed line (more
        prompts than lines, which a device would not print, stay in the last answer)."""
        answers: list[list[str]] = [[]]
        for text in output.split("\n"):
            start = self._prompt_re.match(text) if len(answers) < count else None
            if start is None:
                answers[-1].append(text)
            else:
                answers.append([text[start.end():]])
        answers += [[] for _ in range(count - len(answers))]
        return ["\n".join(answer) for answer in answers]

    async def read_until(self, expect: tuple[Expect, ...], *, action: str | _Typed,
                         wait: float | None = None, prompts: int = 1) -> Reply:
        """Read until the last line is one of `expect`; `wait` is the longest silence allowed.
        With `prompts` > 1 (typed-ahead lines), that many prompts end the exchange: the ones
        before the last begin a line, followed by the next line's echo."""
        if self._chan is None:
            raise DeviceUnreachable(self.device.name, "not connected")
        silence = self.options.command_timeout if wait is None else wait
        loop = asyncio.get_running_loop()
        read = _Read(expect, loop.create_future(), silence, time.monotonic(),
                     prompts_left=prompts - 1)
        self._read = read
        try:
            early, self._early = self._early, []
            for chunk in early:
                self._take(chunk)
            if not read.done.done():
                if self._closed is not None:
                    read.done.set_exception(self._closed)
                else:
                    read.timer = loop.call_later(silence, self._silent, read)
            return await read.done
        except TimeoutError:
            self.alive = False
            self.provider.flush_dialogue()
            raise DeviceTimeout(self.device.name,
                                f"no answer for {silence:g}s during {action}") from None
        except _Closed as closed:
            self.alive = False
            self.provider.flush_dialogue()
            if closed.cause is None:
                raise DeviceUnreachable(self.device.name, f"connection closed by {self.where} "
                                        f"during {action}") from None
            raise DeviceUnreachable(self.device.name, f"connection to {self.where} lost during "
                                    f"{action}: {closed.cause}") from None
        finally:
            self._read = None
            if read.timer is not None:
                read.timer.cancel()

    # -- output, as asyncssh delivers it -------------------------------------------------
    def _output(self, data: str) -> None:
        """A chunk of device output (asyncssh's callback): matched now, or kept for later."""
        if self._read is None or self._read.done.done():
            self._early.append(data)
            return
        size = self.read_size
        if len(data) <= size:
            self._take(data)
            return
        for start in range(0, len(data), size):  # as reads of `read_size` would see it
            if self._read is None or self._read.done.done():
                self._early.append(data[start:])
                return
            self._take(data[start:start + size])

    def _take(self, chunk: str) -> None:
        """Add one chunk to the waiting exchange; finish it when its prompt has come."""
        read = self._read
        assert read is not None
        if read.done.done():
            self._early.append(chunk)
            return
        read.last = time.monotonic()
        self.provider.log_received(chunk)
        read.parts.append(chunk)
        newline = chunk.rfind("\n")
        if read.prompts_left and newline >= 0:
            for text in (read.tail + chunk[:newline]).split("\n"):
                if self._prompt_re.match(text) is not None:
                    read.prompts_left -= 1
        tail = read.tail + chunk if newline < 0 else chunk[newline + 1:]
        if self._chan is not None and PAGER.search(tail):
            read.parts = [_without_tail(read.parts, tail)]
            try:
                self._chan.write(" ")
            except (asyncssh.Error, OSError) as exc:
                read.done.set_exception(_Closed(exc))
                return
            tail = ""
        read.tail = tail
        found = self._match(tail, read.expect) if tail and read.prompts_left <= 0 else None
        if found is not None:
            self.provider.flush_dialogue()
            read.done.set_result(Reply(_clean(_without_tail(read.parts, tail)), found,
                                       tail.strip()))

    def _silent(self, read: _Read) -> None:
        """The silence timer: a timeout unless output came meanwhile (then wait on)."""
        if read.done.done():
            return
        left = read.last + read.silence - time.monotonic()
        if left > 0:
            read.timer = asyncio.get_running_loop().call_later(left, self._silent, read)
            return
        read.done.set_exception(TimeoutError())

    def _end(self, cause: BaseException | None) -> None:
        """The channel closed (asyncssh's callback): the waiting exchange fails."""
        self.alive = False
        self._closed = _Closed(cause)
        read = self._read
        if read is not None and not read.done.done():
            read.done.set_exception(self._closed)

    def _match(self, tail: str, expect: tuple[Expect, ...]) -> Expect | None:
        text = tail.rstrip("\r")
        if "prompt" in expect:
            match = self._prompt_re.fullmatch(text)
            if match is not None:
                self.level = match.group("level")
                self.mode = match.groupdict().get("mode") or ""
                self.prompt = text.strip()
                return "prompt"
        if "password" in expect and PASSWORD_PROMPT.search(text):
            return "password"
        if "question" in expect and QUESTION.search(text):
            return "question"
        return None


class _Closed(Exception):
    """The device's channel ended; `cause` is asyncssh's error, None for a clean close."""

    def __init__(self, cause: BaseException | None) -> None:
        super().__init__(str(cause or "closed"))
        self.cause = cause


@dataclass(eq=False)
class _Read:
    """One exchange waiting for its prompt: what it expects and what came so far."""

    expect: tuple[Expect, ...]
    done: asyncio.Future[Reply]
    silence: float
    last: float
    """When output last came (monotonic): the silence timer counts from here."""
    parts: list[str] = field(default_factory=list)
    tail: str = ""
    """The text after the last newline: only that is ever matched, so a long output costs
    one pass, not one per chunk."""
    prompts_left: int = 0
    """Prompts still to come at the start of a line before the one that ends the exchange
    (typed-ahead lines); 0 for one line."""
    timer: asyncio.TimerHandle | None = None


class _ShellOutput(asyncssh.SSHClientSession[str]):
    """asyncssh's session callbacks, handed to the shell as they come."""

    def __init__(self, shell: CliShell) -> None:
        self._shell = shell

    def data_received(self, data: str, datatype: asyncssh.DataType) -> None:
        if datatype is None:  # stdout; a PTY session's stderr is not part of the dialogue
            self._shell._output(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._shell._end(exc)


class _Typed:
    """What was typed, as an error message names it (masked): worked out only for an error,
    not for each of the thousands of lines a run sends."""

    def __init__(self, shell: CliShell, line: str, hide: bool) -> None:
        self.shell, self.line, self.hide = shell, line, hide

    def __str__(self) -> str:
        return "a hidden answer" if self.hide else \
            repr(self.shell.provider.redactor.mask_line(self.line))


def _last_line(buffer: str) -> str:
    return buffer[buffer.rfind("\n") + 1:]


def _without_tail(parts: list[str], tail: str) -> str:
    text = "".join(parts)
    return text[: len(text) - len(tail)]


def _clean(text: str) -> str:
    """Device output as plain lines: no CR, no backspaces or terminal escapes, no pager."""
    text = text.replace("\r\n", "\n").replace("\r", "")
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    while "\x08" in text:
        text = _BACKSPACES.sub("", text)
    # No pager line can be there: skip the per-line scan. (`in` on the lowered text: a
    # case-insensitive regex search cost 190 µs on an 8 KB config, this 25 µs.)
    if "more" not in text.lower():
        return text
    return "\n".join(line for line in text.split("\n") if not PAGER.fullmatch(line.strip()))


def _strip_echo(output: str, line: str) -> str:
    """Drop the echo of what we typed (the first line), Junos' `[edit]` and blank tail lines."""
    if line and output:
        first, _, rest = output.partition("\n")
        if first.strip().endswith(line.strip()):
            output = rest
    output = output.rstrip("\n")
    last = _last_line(output)
    if last.startswith("[edit"):
        output = output[: len(output) - len(last)].rstrip("\n")
    return output
