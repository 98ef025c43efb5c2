"""The one place where secrets are masked, for every log, record, diff and recording.

Two kinds of secret are masked:

* Known secrets: values nocdeck itself handled (a resolved password, an enable secret, a
  token). They are registered on a `Redactor` and replaced wherever they appear.
* Secret-bearing config lines: `enable secret`, `username … secret`, `snmp-server community`,
  TACACS/RADIUS keys, pre-shared keys, Junos `encrypted-password` and the like. The secret
  field is replaced by `*` of the same length, so the line still shows that it exists and,
  in a diff, that it changes.

A secret can arrive split across two reads from a device, so streams are masked line by line
(`StreamRedactor` holds back an unfinished line until it is complete or flushed), the way
netmiko scrubs its session log at flush time.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

MASK_CHAR = "*"

# Each pattern captures the secret value in the group named "secret". Order matters only for
# readability: every pattern is applied to every line.
_SECRET_LINE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # IOS / EOS
        r"^\s*enable (?:secret|password)(?: level \d+)?(?: (?:sha512|[0-9]))? (?P<secret>\S+)",
        r"^\s*username \S+(?: .*?)? (?:secret|password)(?: (?:sha512|[0-9]))? (?P<secret>\S+)",
        r"^\s*snmp-server community (?P<secret>\S+)",
        r"^\s*snmp-server host \S+(?: (?:traps|informs))?(?: version (?:1|2c))? (?P<secret>\S+)",
        r"^\s*(?:tacacs|radius)-server(?: host \S+)?(?: .*?)? key(?: [0-9])? (?P<secret>\S+)",
        r"^\s*(?:tacacs-server|radius-server|server-private) .*?\bkey(?: [0-9])? (?P<secret>\S+)",
        r"^\s*key(?: [0-9])? (?P<secret>\S+)\s*$",
        r"^\s*key-string(?: [0-9])? (?P<secret>\S+)",
        r"\bpre-shared-key(?: (?:ascii-text|hexadecimal|address \S+|[0-9]))* \"?(?P<secret>[^\s\"]+)",
        r"^\s*crypto isakmp key(?: [0-9])? (?P<secret>\S+)",
        r"^\s*ntp authentication-key \d+ \S+ (?P<secret>\S+)",
        r"\bpassword [0-9] (?P<secret>\S+)",
        r"^\s*(?:ip )?ospf (?:message-digest-key \d+ md5|authentication-key)(?: [0-9])? (?P<secret>\S+)",
        r"^\s*neighbor \S+ password(?: [0-9])? (?P<secret>\S+)",
        r"^\s*(?:ppp (?:chap|pap) (?:password|sent-username \S+ password))(?: [0-9])? (?P<secret>\S+)",
        # Junos, in both hierarchical and `display set` form
        r"\bencrypted-password \"?(?P<secret>[^\s\";]+)",
        r"\b(?:secret|authentication-key|plain-text-password-value) \"(?P<secret>[^\"]+)\"",
        r"^\s*(?:set )?snmp community (?P<secret>[^\s;{]+)",
        r"^\s*community (?P<secret>[^\s;{]+)\s*(?:\{|;)",
        r"\bpsk (?P<secret>\S+)",
    )
)


def _mask_span(text: str, start: int, end: int) -> str:
    return text[:start] + MASK_CHAR * (end - start) + text[end:]


_SEGMENT_START = re.compile(r"""^[+-]|['"`]|: |[#>%] ?""")
"""Where a config line can start inside a longer line: after a diff marker
(`+enable secret …`), a prompt (`r1(config)#enable secret …`), a quote or a colon
(`r1: rejected 'tacacs-server key 7 …'`). Masks keep the length, so positions stay valid."""


def mask_config_line(line: str) -> tuple[str, int]:
    """Mask every secret field of one line, also one that follows a diff marker, a prompt, a
    quote or a colon; return the line and how many fields were masked."""
    line, count = _mask_from_start(line)
    for match in _SEGMENT_START.finditer(line):
        head, tail = line[:match.end()], line[match.end():]
        masked, found = _mask_from_start(tail)
        if found:
            line, count = head + masked, count + found
    return line, count


def _mask_from_start(line: str) -> tuple[str, int]:
    count = 0
    for pattern in _SECRET_LINE_PATTERNS:
        match = pattern.search(line)
        if match is None:
            continue
        start, end = match.span("secret")
        if start < 0 or set(line[start:end]) <= {MASK_CHAR}:
            continue
        line = _mask_span(line, start, end)
        count += 1
    return line, count


def is_secret_line(line: str) -> bool:
    """True when a config line carries a secret (so rollback never pushes its masked form)."""
    return mask_config_line(line)[1] > 0


@dataclass
class Redactor:
    """Masks registered secrets and secret-bearing lines; safe to share between threads."""

    _secrets: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    redactions: int = 0
    """How many masks this redactor has applied, for the records' redaction count."""

    def add_secret(self, secret: str | None) -> None:
        """Register a value that must never appear anywhere (ignores empty values)."""
        if secret and len(secret) >= 3:
            with self._lock:
                self._secrets.add(secret)

    def add_secrets(self, secrets: Iterable[str | None]) -> None:
        for secret in secrets:
            self.add_secret(secret)

    @property
    def longest_secret(self) -> int:
        with self._lock:
            return max((len(s) for s in self._secrets), default=0)

    def mask_known(self, text: str) -> str:
        """Replace every registered secret by `*` of its length."""
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                self.redactions += text.count(secret)
                text = text.replace(secret, MASK_CHAR * len(secret))
        return text

    def mask_line(self, line: str) -> str:
        masked, count = mask_config_line(self.mask_known(line))
        self.redactions += count
        return masked

    def mask(self, text: str) -> str:
        """Mask a whole text, line by line, keeping its line endings."""
        if not text:
            return text
        return "".join(self.mask_line(line) for line in text.splitlines(keepends=True))


GLOBAL_REDACTOR = Redactor()
"""Secrets registered by any part of nocdeck in this process; every log record passes it."""


def mask(text: str, redactor: Redactor | None = None) -> str:
    """Mask `text` with the given redactor, or the process-wide one."""
    return (redactor or GLOBAL_REDACTOR).mask(text)


class StreamRedactor:
    """Turns a stream of chunks into masked complete lines, also when a secret spans chunks.

    Chunks are buffered until a newline arrives, so a secret split across two reads is
    joined before it is masked. `flush()` releases the unfinished tail (a prompt), which the
    caller does at the end of each exchange.
    """

    def __init__(self, emit: Callable[[str], None], redactor: Redactor | None = None) -> None:
        self._emit = emit
        self._redactor = redactor or GLOBAL_REDACTOR
        self._buffer = ""

    def feed(self, chunk: str) -> None:
        self._buffer += chunk.replace("\r\n", "\n").replace("\r", "")
        *complete, self._buffer = self._buffer.split("\n")
        for line in complete:
            self._emit(self._redactor.mask_line(line))

    def flush(self) -> None:
        if self._buffer:
            tail, self._buffer = self._buffer, ""
            self._emit(self._redactor.mask_line(tail))


class RedactingFilter(logging.Filter):
    """A logging filter that masks every record's final message before any handler sees it."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redactor = redactor or GLOBAL_REDACTOR

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self._redactor.mask(message)
        if masked != message or record.args:
            record.msg = masked
            record.args = None
        return True


def install_log_redaction(redactor: Redactor | None = None) -> None:
    """Mask every log record of every handler of the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in [*root.handlers, *_ensure_handler(root)]:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter(redactor))


def _ensure_handler(root: logging.Logger) -> list[logging.Handler]:
    if root.handlers:
        return []
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return [handler]


_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<secret>[^@\s]+)(?=@)")


def mask_url_password(url: str) -> str:
    """`postgresql+asyncpg://u:pw@h/db` -> `postgresql+asyncpg://u:***@h/db`."""
    return _URL_PASSWORD.sub(lambda m: f"{m.group('head')}***", url)
