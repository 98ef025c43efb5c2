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
from typing import Any

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


_SEGMENT_START = re.compile(r"""^[+-]|['"`]|: |[#>%<] ?""")
"""Where a config line can start inside a longer line: after a diff marker
(`+enable secret …`), a dialogue record's direction (`< username … secret …`), a prompt
(`r1(config)#enable secret …`), a quote or a colon (`r1: rejected 'tacacs-server key 7 …'`). Masks keep the length, so positions stay valid."""


_SECRET_WORDS = ("secret", "password", "community", "key", "psk", "snmp-server host")
"""Words one of which every secret-line pattern needs: a line without any is skipped."""
_MAYBE_SECRET = re.compile("|".join(_SECRET_WORDS), re.IGNORECASE)


def _secret_word_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line holding a secret word, in order: the lines a secret-line
    pattern could match, so the only ones worth splitting out."""
    if _WORD_SCANNER is not None and text.isascii():
        return _lines_at(text, _WORD_SCANNER.word_ends(text.encode("ascii")))
    return _secret_word_lines_find(text)


def _lines_at(text: str, ends: list[int]) -> list[tuple[int, int]]:
    """(start, end) of each line in which a word ends at one of `ends` (a word never holds
    a newline, so the line is the one around the word's last character)."""
    spans = []
    line_end = -1
    for at in sorted(ends):
        if at <= line_end:
            continue
        start = text.rfind("\n", 0, at) + 1
        line_end = text.find("\n", at)
        if line_end < 0:
            line_end = len(text)
        spans.append((start, line_end))
    return spans


def _secret_word_lines_find(text: str) -> list[tuple[int, int]]:
    """`_secret_word_lines` without Hyperscan: `str.find` on the lower-cased text, one pass
    per secret word (an order of magnitude faster than a `re` alternation over 20 MB)."""
    low = text.lower()
    if len(low) != len(text):  # `İ` lower-cases to two characters: positions would shift
        return _every_line(text)
    starts: set[int] = set()
    for word in _SECRET_WORDS:
        at = low.find(word)
        while at >= 0:
            start = low.rfind("\n", 0, at) + 1
            starts.add(start)
            end = low.find("\n", at)
            at = low.find(word, len(low) if end < 0 else end)
    spans = []
    for start in sorted(starts):
        end = text.find("\n", start)
        spans.append((start, len(text) if end < 0 else end))
    return spans


class _WordScanner:
    """Finds every secret word in ASCII bytes in one pass (Hyperscan: case-insensitive
    literals, a few ms per 20 MB where the `str.find` passes take ~70 ms), and tells whether
    any registered secret occurs (case-sensitive literals, one database per set of secrets).

    For ASCII text it finds exactly what `_secret_word_lines_find` and `str.__contains__`
    find (ASCII case folding is Hyperscan's caseless); other text goes those ways. The scan
    itself runs without the GIL. Scratch spaces and the secrets' databases are per thread,
    so a shared `Redactor` stays safe to use from several threads."""

    _SECRET_SETS = 16
    """Databases of secret sets kept per thread (a process has a few: its own, a session's)."""

    def __init__(self, words: tuple[str, ...]) -> None:
        import hyperscan

        self._hs = hyperscan
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(expressions=[w.encode("ascii") for w in words],
                         ids=list(range(len(words))), elements=len(words),
                         flags=hyperscan.HS_FLAG_CASELESS, literal=True)
        self._local = threading.local()

    def word_ends(self, data: bytes) -> list[int]:
        """The offset just past each secret word found in `data`."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._hs.Scratch(self._db)
        ends: list[int] = []

        def found(_id: int, _start: int, end: int, _flags: int, _context: object) -> None:
            ends.append(end)

        self._db.scan(data, match_event_handler=found, scratch=scratch)
        return ends

    def holds_secret(self, data: bytes, secrets: frozenset[str]) -> bool:
        """True when one of `secrets` occurs in the ASCII bytes `data` (a secret beyond
        ASCII cannot occur in them)."""
        ascii_secrets = frozenset(s for s in secrets if s.isascii())
        if not ascii_secrets:
            return False
        databases: dict[frozenset[str], tuple[Any, Any]] = self._local.__dict__.setdefault(
            "secrets", {})
        compiled = databases.get(ascii_secrets)
        if compiled is None:
            if len(databases) >= self._SECRET_SETS:
                databases.clear()
            database = self._hs.Database(mode=self._hs.HS_MODE_BLOCK)
            expressions = [s.encode("ascii") for s in sorted(ascii_secrets)]
            database.compile(expressions=expressions, ids=[0] * len(expressions),
                             elements=len(expressions), flags=self._hs.HS_FLAG_SINGLEMATCH,
                             literal=True)
            compiled = databases[ascii_secrets] = (database, self._hs.Scratch(database))
        found: list[int] = []

        def hit(_id: int, _start: int, end: int, _flags: int, _context: object) -> None:
            found.append(end)

        compiled[0].scan(data, match_event_handler=hit, scratch=compiled[1])
        return bool(found)


def _word_scanner() -> _WordScanner | None:
    """The Hyperscan scanner, or None where Hyperscan is not installed or not usable on this
    CPU (it needs SSSE3): the masking is the same either way, only slower."""
    try:
        scanner = _WordScanner(_SECRET_WORDS)
        scanner.word_ends(b"probe")
        if not scanner.holds_secret(b"a probe", frozenset({"probe"})):
            return None
    except Exception:  # ImportError, hyperscan.error (HS_ARCH_ERROR on an old CPU)
        return None
    return scanner


_WORD_SCANNER = _word_scanner()
_SCAN_SECRETS_FROM = 64 * 1024
_SCAN_SECRETS_AT_MOST = 32
"""Registered secrets are looked for with Hyperscan only in a text this long, and only among
this many: a database is compiled per set of secrets (0.2 ms for 2, 6 ms for 100, 55 ms for
400), which a few `in` searches of a small text, or of a text among many secrets, beat."""


def _every_line(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        spans.append((start, end))
        start = end + 1
    return spans


_PATTERN_WORDS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (pattern, tuple(w for w in _SECRET_WORDS if w in pattern.pattern.lower()))
    for pattern in _SECRET_LINE_PATTERNS)
"""Each pattern with the secret words it needs: a pattern runs only on a line holding one."""
assert all(words for _, words in _PATTERN_WORDS), "every secret pattern needs a secret word"
_MASKED_LINES: dict[str, tuple[str, int]] = {}
"""Recently masked lines (in memory only): masking is a pure function of the line, and a
transcript passes it twice (the recorder, then the store's column), so the second pass and
repeated lines cost one dict lookup."""
_MASKED_LIMIT = 8192


def mask_config_line(line: str) -> tuple[str, int]:
    """Mask every secret field of one line, also one that follows a diff marker, a prompt, a
    quote or a colon; return the line and how many fields were masked."""
    known = _MASKED_LINES.get(line)
    if known is not None:
        return known
    if _MAYBE_SECRET.search(line) is None:
        return line, 0
    masked, count = _mask_segments(line)
    if len(_MASKED_LINES) >= _MASKED_LIMIT:
        _MASKED_LINES.clear()
    _MASKED_LINES[line] = (masked, count)
    _MASKED_LINES[masked] = (masked, 0)
    return masked, count


def _mask_segments(line: str) -> tuple[str, int]:
    line, count = _mask_from_start(line)
    for match in _SEGMENT_START.finditer(line):
        head, tail = line[:match.end()], line[match.end():]
        masked, found = _mask_from_start(tail)
        if found:
            line, count = head + masked, count + found
    return line, count


_PATTERNS_FOR: dict[tuple[str, ...], tuple[re.Pattern[str], ...]] = {}


def _patterns_for(line: str) -> tuple[re.Pattern[str], ...]:
    """The patterns worth trying on a line: those needing a secret word the line holds."""
    low = line.lower()
    present = tuple(word for word in _SECRET_WORDS if word in low)
    patterns = _PATTERNS_FOR.get(present)
    if patterns is None:
        patterns = tuple(p for p, words in _PATTERN_WORDS if set(words) & set(present))
        _PATTERNS_FOR[present] = patterns
    return patterns


def _mask_from_start(line: str) -> tuple[str, int]:
    count = 0
    for pattern in _patterns_for(line):
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
    generation: int = 0
    """Grows with every new secret: text masked at one generation is stale at the next."""
    _known: frozenset[str] = field(default=frozenset(), repr=False)
    _longest_first: tuple[str, ...] = field(default=(), repr=False)
    """Snapshots of `_secrets`, replaced (never changed) when a secret is added: a run masks
    tens of thousands of lines, each of which would otherwise copy and sort the set."""

    def __post_init__(self) -> None:
        self._snapshot()

    def _snapshot(self) -> None:
        self._known = frozenset(self._secrets)
        self._longest_first = tuple(sorted(self._secrets, key=len, reverse=True))

    def add_secret(self, secret: str | None) -> None:
        """Register a value that must never appear anywhere (ignores empty values)."""
        if secret and len(secret) >= 3:
            with self._lock:
                if secret not in self._secrets:
                    self._secrets.add(secret)
                    self._snapshot()
                    self.generation += 1

    @property
    def known(self) -> frozenset[str]:
        """Every registered secret, as of now (a snapshot: it never changes later)."""
        return self._known

    def secrets_beyond(self, other: Redactor) -> frozenset[str]:
        """The secrets this redactor holds that `other` does not."""
        return self._known - other._known

    def add_secrets(self, secrets: Iterable[str | None]) -> None:
        for secret in secrets:
            self.add_secret(secret)

    @property
    def longest_secret(self) -> int:
        longest = self._longest_first
        return len(longest[0]) if longest else 0

    def mask_known(self, text: str, secrets: Iterable[str] | None = None) -> str:
        """Replace every registered secret (or only `secrets`) by `*` of its length."""
        ordered = self._longest_first if secrets is None else \
            sorted(secrets, key=len, reverse=True)
        if not ordered:
            return text
        for secret in ordered:
            if secret in text:
                self.redactions += text.count(secret)
                text = text.replace(secret, MASK_CHAR * len(secret))
        return text

    def mask_line(self, line: str) -> str:
        masked, count = mask_config_line(self.mask_known(line))
        self.redactions += count
        return masked

    def might_hold_secret(self, text: str) -> bool:
        """False when `text` holds no secret word and no registered secret, so masking it
        line by line would change nothing (one scan of the whole text, at C speed)."""
        if _MAYBE_SECRET.search(text) is not None:
            return True
        return any(secret in text for secret in self._longest_first)

    def mask(self, text: str) -> str:
        """Mask a whole text, line by line, keeping its line endings."""
        if not text or not self.might_hold_secret(text):
            return text
        return "".join(self.mask_line(line) for line in text.splitlines(keepends=True))

    def mask_block(self, text: str, extra_secrets: frozenset[str] = frozenset()) -> str:
        """`mask`, fast for a large block: only lines holding a secret word are split out.
        `extra_secrets` are masked too, as if registered here."""
        known = self._known | extra_secrets if extra_secrets else self._known
        if _WORD_SCANNER is not None and text.isascii():
            data = text.encode("ascii")
            if len(text) < _SCAN_SECRETS_FROM or len(known) > _SCAN_SECRETS_AT_MOST \
                    or _WORD_SCANNER.holds_secret(data, known):
                masked = self.mask_known(text, known)
                if masked is not text:
                    text, data = masked, masked.encode("ascii")
            spans = _lines_at(text, _WORD_SCANNER.word_ends(data))
        else:
            text = self.mask_known(text, known)
            spans = _secret_word_lines_find(text)
        parts: list[str] = []
        done = 0
        for start, end in spans:
            masked, count = mask_config_line(text[start:end])
            if count:
                self.redactions += count
                parts += [text[done:start], masked]
                done = end
        if not parts:
            return text
        parts.append(text[done:])
        return "".join(parts)

    def partial_secret_suffix(self, text: str) -> int:
        """How many trailing characters of `text` could be the start of a registered secret:
        a stream holds those back until the next read shows whether the secret follows."""
        longest = 0
        for secret in self._longest_first:
            for size in range(min(len(secret) - 1, len(text)), longest, -1):
                if text.endswith(secret[:size]):
                    longest = size
                    break
        return longest


GLOBAL_REDACTOR = Redactor()
"""Secrets registered by any part of nocdeck in this process; every log record passes it."""

_MINT = object()


class AlreadyMasked(str):
    """Text as a `TerminalRedactor` or `mask_for_store` masked it, unchanged since: the secret
    config lines and every secret `GLOBAL_REDACTOR` held at `generation` (and a session's
    own). A store column keeps it as it is instead of masking it twice (that second pass was most of the
    cost of recording a session). Only this module makes one; any edit (a slice, `+`, a join)
    gives a plain `str`, which the column masks again."""

    generation: int

    def __new__(cls, text: str, *, generation: int, mint: object = None) -> AlreadyMasked:
        if mint is not _MINT:
            raise TypeError("AlreadyMasked text comes from nocdeck.redaction's masking only")
        made = super().__new__(cls, text)
        made.generation = generation
        return made

    def trusted(self) -> bool:
        """True while no secret was registered since it was masked, and it holds no NUL
        (dropping one could join the pieces of a secret line)."""
        return self.generation == GLOBAL_REDACTOR.generation and "\x00" not in self


_OTHER_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e"
"""ASCII characters where `str.splitlines` (so `mask`) also starts a line; the block masking
splits at `\\n` only."""


def mask_for_store(text: str) -> AlreadyMasked:
    """`text` masked by the process's redactor the way a store column masks it (NUL dropped:
    PostgreSQL text cannot hold one), marked so the column keeps it without a second pass.
    Block masking (only lines holding a secret word are split out) for ASCII text whose only
    line break is `\\n` (a config as read); line by line, exactly as `mask`, otherwise
    (case folding beyond ASCII, other line breaks)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    generation = GLOBAL_REDACTOR.generation
    # One substring search per character (memchr), not a regex class over the whole text:
    # 1 µs instead of ~120 µs for an 8 KB config.
    if not text.isascii() or any(brk in text for brk in _OTHER_LINE_BREAKS):
        masked = GLOBAL_REDACTOR.mask(text)
    else:
        masked = GLOBAL_REDACTOR.mask_block(text)
    return AlreadyMasked(masked, generation=generation, mint=_MINT)


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
        cut = self._buffer.rfind("\n")
        if cut < 0:
            return
        block, self._buffer = self._buffer[:cut], self._buffer[cut + 1:]
        if block.isascii():  # the complete lines masked together: the same, at C speed
            for line in self._redactor.mask_block(block).split("\n"):
                self._emit(line)
            return
        for line in block.split("\n"):
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


# -- interactive terminals ---------------------------------------------------------------

PASSWORD_PROMPT = re.compile(
    r"\b(?:password|passphrase|passcode|secret)\b[^\n]{0,60}:\s*$", re.IGNORECASE)
"""A prompt after which the next typed line is a secret: `Password:`, `Enable secret:`,
`Enter passphrase for key …:`, `[sudo] password for …:`."""
PLATFORM_PASSWORD_PROMPTS: dict[str, re.Pattern[str]] = {
    "cisco_ios": re.compile(r"(?:\bPassword|\bsecret|Key)\s*:\s*$", re.IGNORECASE),
    "arista_eos": re.compile(r"\bPassword\s*:\s*$", re.IGNORECASE),
    "juniper_junos": re.compile(r"\b(?:New |Retype new )?password\s*:\s*$", re.IGNORECASE),
}
"""Prompts a platform shows beyond the generic ones (IOS `Enter Key:` for a key chain)."""
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[^\n]\x08|\x08|\r")

MARK_OUTPUT = "masked: secret in output"
MARK_TYPED = "masked: secret in typed input"
MARK_PASSWORD = "masked: input after a password prompt"
MARKERS = frozenset({MARK_OUTPUT, MARK_TYPED, MARK_PASSWORD})
"""The redaction markers: fixed words, never a secret, so a store keeps them as they are."""


def is_password_prompt(line: str, platform: str = "") -> bool:
    """True when the terminal's current line asks for a password or secret."""
    text = _CONTROL.sub("", line)
    extra = PLATFORM_PASSWORD_PROMPTS.get(platform)
    return bool(PASSWORD_PROMPT.search(text) or (extra and extra.search(text)))


@dataclass
class Masked:
    """What may be recorded of one piece of a stream, and a marker per redaction."""

    text: str = ""
    markers: list[str] = field(default_factory=list)
    enters: int = 0
    """Lines the user finished with Enter outside a password prompt (commands typed)."""


class TerminalRedactor:
    """Masks both streams of an interactive terminal before they are recorded.

    Output is released line by line (a secret split across reads is joined first); an
    unfinished line is released when the user types or the recorder flushes, less any tail
    that could begin a known secret. Input after a password prompt is dropped until the next
    newline, as sudo does; other input is held until Enter and masked like output.
    """

    def __init__(self, redactor: Redactor, *, platform: str = "") -> None:
        self.redactor = redactor
        self.platform = platform
        self._tail = ""
        """Output after the last newline, not yet released."""
        self._released = ""
        """The part of the current output line already released (raw)."""
        self._lines = 0
        self._answered_line = -1
        self._secret_input = False
        self._typed = ""
        self._others_key = (-1, -1)
        self._others: frozenset[str] = frozenset()

    def _process_secrets(self) -> frozenset[str]:
        """Secrets of the process beyond the session's own (recomputed when either grows)."""
        key = (GLOBAL_REDACTOR.generation, self.redactor.generation)
        if key != self._others_key:
            self._others_key = key
            self._others = (GLOBAL_REDACTOR.secrets_beyond(self.redactor)
                            if self.redactor is not GLOBAL_REDACTOR else frozenset())
        return self._others

    def _mask_span(self, prefix: str, text: str) -> tuple[AlreadyMasked, int]:
        before = self.redactor.redactions
        generation = GLOBAL_REDACTOR.generation
        others = self._process_secrets()
        masked = self.redactor.mask_block(prefix + text, others)[len(prefix):]
        return (AlreadyMasked(masked, generation=generation, mint=_MINT),
                self.redactor.redactions - before)

    @property
    def current_line(self) -> str:
        return self._released + self._tail

    def output(self, chunk: str) -> Masked:
        buffer = self._tail + chunk
        cut = buffer.rfind("\n") + 1
        if cut == 0:
            self._tail = buffer
            return Masked()
        complete, self._tail = buffer[:cut], buffer[cut:]
        self._lines += 1
        text, count = self._mask_span(self._released, complete)
        self._released = ""
        return Masked(text, [MARK_OUTPUT] * count)

    def release_output(self) -> Masked:
        """Release the unfinished line (a prompt), keeping back a possible secret's start."""
        keep = self.redactor.partial_secret_suffix(self._tail)
        give = self._tail[:len(self._tail) - keep]
        if not give:
            return Masked()
        text, count = self._mask_span(self._released, give)
        self._released += give
        self._tail = self._tail[len(give):]
        return Masked(text, [MARK_OUTPUT] * count)

    def input(self, chunk: str) -> Masked:
        result = Masked()
        for char in chunk:
            if not self._secret_input and not self._typed and \
                    self._answered_line != self._lines and \
                    is_password_prompt(self.current_line, self.platform):
                self._secret_input = True
            if self._secret_input:
                if char in "\r\n\x03\x04":
                    self._secret_input = False
                    self._answered_line = self._lines
                    result.markers.append(MARK_PASSWORD)
                    result.text += char
                continue
            self._typed += char
            if char in "\r\n":
                result.enters += 1
                self._release_typed(result)
            elif char in "\x03\x04\t?\x1b":
                self._release_typed(result)
        return result

    def release_input(self) -> Masked:
        """Release typed input held back (the session ends mid-line)."""
        result = Masked()
        if self._secret_input:
            result.markers.append(MARK_PASSWORD)
        self._release_typed(result)
        return result

    def _release_typed(self, result: Masked) -> None:
        typed, self._typed = self._typed, ""
        text, count = self._mask_span("", typed)
        result.text += text
        result.markers += [MARK_TYPED] * count
