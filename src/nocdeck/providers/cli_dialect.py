"""What each platform's CLI looks like to a driver, in one place per platform (scrapli's lesson).

A driver that speaks to a device through an interactive shell needs to know the prompts, how
to turn paging off, how to enter and leave configuration mode, what a refused line looks like
and how a change is kept (`write memory` or a Junos commit). Both providers read it from here:
the asyncssh provider for all of it, the netmiko provider for the error patterns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nocdeck.errors import BadInput

_IOS_ERRORS = (
    r"^\s*% ?(?:Invalid input|Incomplete command|Ambiguous command|Unknown command"
    r"|Unrecognized command|Unavailable command|Bad |Error|Invalid|Cannot|Not authorized)"
)
_JUNOS_ERRORS = (
    r"^\s*(?:syntax error|error:|unknown command|missing argument|invalid (?:value|command)"
    r"|value \S+ is not within range)"
)


@dataclass(frozen=True)
class CliDialect:
    """The CLI conventions of one platform (a netmiko device_type)."""

    platform: str
    prompt: re.Pattern[str]
    """Any prompt of the platform, matched against the last line of output (group `host`)."""
    paging_off: tuple[str, ...]
    """Sent once after login: no `--More--`, no line wrapping."""
    enable: str | None
    """The command to reach privileged mode (`enable`), or None where there is none."""
    config_enter: str
    config_exit: tuple[str, ...]
    """Leave configuration mode; also sent after a rejected line."""
    discard: tuple[str, ...]
    """Throw away uncommitted changes before leaving config mode after a rejection (Junos)."""
    running_config: str
    save: tuple[str, ...]
    """IOS/EOS: copy running to startup. Junos has none: a commit is what keeps a change."""
    commit: str | None
    commit_confirmed: str | None
    """Format string with `{minutes}` (Junos `commit confirmed N`)."""
    error: re.Pattern[str]
    """A line of the device's reply that means the line sent was refused."""
    uses_commit: bool = False
    notice: re.Pattern[str] | None = None
    """A line the device adds to a command's output that is not the command's (Junos's
    `# commit confirmed will be rolled back in N minutes` before each prompt while a commit
    is unconfirmed): removed, so a post-check's parser (TextFSM) sees what the command said."""
    banner_end: str | None = None
    """How a multi-line banner ends: `delimiter` (IOS: the character after `banner motd`,
    or `^C`) or `EOF` (EOS); None where a banner is one statement (Junos)."""
    type_ahead: bool = False
    """Config lines may go out in one write, answers read after: the platform edits a
    candidate, so a refused line means nothing is applied (it is discarded), whatever was
    typed after it. Never for IOS-like CLIs, where each line takes effect as it is read."""

    @property
    def error_pattern(self) -> str:
        """The error regex as a string (netmiko's `error_pattern` takes one)."""
        return self.error.pattern

    def config_blocks(self, lines: Sequence[str]) -> list[list[str]]:
        """`lines` in the groups a device answers with one prompt: a multi-line banner (its
        header, body and closing line; the device prompts only after the closing line) is
        one group, every other line a group of its own."""
        blocks: list[list[str]] = []
        index = 0
        while index < len(lines):
            closes = self._banner_closer(lines[index])
            end = index
            if closes is not None:
                end = next((j for j in range(index + 1, len(lines)) if closes(lines[j])),
                           len(lines) - 1)
            blocks.append(list(lines[index:end + 1]))
            index = end + 1
        return blocks

    def _banner_closer(self, line: str) -> Callable[[str], bool] | None:
        """For a line that opens a multi-line banner, the test of its closing line."""
        text = line.strip()
        if self.banner_end == "EOF":
            if _EOS_BANNER_OPEN.fullmatch(text):
                return lambda other: other.strip() == "EOF"
            return None
        if self.banner_end == "delimiter":
            match = _IOS_BANNER_OPEN.fullmatch(text)
            if match is None or match.group("delimiter") in match.group("rest"):
                return None  # one line: `banner motd ^Ctext^C`
            delimiter = match.group("delimiter")
            return lambda other: delimiter in other
        return None

    def command_output(self, text: str) -> str:
        """A command's output without the device's own notices (`notice`)."""
        return text if self.notice is None else self.notice.sub("", text)

    def prompt_for(self, host: str) -> HostPrompt:
        """Prompts of one device only, once its hostname is known (fewer false matches)."""
        return HostPrompt(self.prompt, host)

    def find_error(self, reply: str) -> str | None:
        """The device's complaint in a reply to one line, or None if the line was taken."""
        lines = [line.strip() for line in reply.replace("\r", "").split("\n")]
        for index, line in enumerate(lines):
            if line == "^":
                # A caret under the offending word: the next line says what is wrong.
                rest = [ln for ln in lines[index + 1:] if ln]
                return rest[0] if rest else "refused (marker '^' under the line)"
            if self.error.search(line):
                return line
        return None


@dataclass(frozen=True)
class HostPrompt:
    """The platform's prompt, with one hostname: the platform's compiled pattern and a
    comparison, not a pattern compiled per device (200 devices, 200 compiles)."""

    pattern: re.Pattern[str]
    host: str

    def fullmatch(self, text: str) -> re.Match[str] | None:
        match = self.pattern.fullmatch(text)
        return match if match is not None and match.group("host") == self.host else None

    def match(self, text: str) -> re.Match[str] | None:
        """The prompt at the start of `text` (what follows it is typed input's echo)."""
        match = self.pattern.match(text)
        return match if match is not None and match.group("host") == self.host else None


_IOS_BANNER_OPEN = re.compile(r"banner\s+\S+\s+(?P<delimiter>\^C|\S)(?P<rest>.*)")
_EOS_BANNER_OPEN = re.compile(r"banner\s+(?:motd|login)")

_IOS_PROMPT = re.compile(
    r"(?P<host>[A-Za-z0-9][\w.\-/:]*)(?:\((?P<mode>[\w.\-]+)\))?(?P<level>[>#])\s?"
)
_JUNOS_PROMPT = re.compile(r"(?P<user>[\w.\-]+)@(?P<host>[\w.\-]+)(?P<level>[>#%])\s?")

_IOS_LIKE = {
    "prompt": _IOS_PROMPT,
    "enable": "enable",
    "config_enter": "configure terminal",
    "config_exit": ("end",),
    "discard": (),
    "running_config": "show running-config",
    "save": ("write memory",),
    "commit": None,
    "commit_confirmed": None,
    "error": re.compile(_IOS_ERRORS, re.IGNORECASE),
}

DIALECTS: dict[str, CliDialect] = {
    "cisco_ios": CliDialect(
        platform="cisco_ios", paging_off=("terminal length 0", "terminal width 511"),
        banner_end="delimiter",
        **_IOS_LIKE,  # type: ignore[arg-type]
    ),
    "arista_eos": CliDialect(
        platform="arista_eos", paging_off=("terminal length 0", "terminal width 511"),
        banner_end="EOF",
        **_IOS_LIKE,  # type: ignore[arg-type]
    ),
    "juniper_junos": CliDialect(
        platform="juniper_junos",
        prompt=_JUNOS_PROMPT,
        paging_off=("set cli screen-length 0", "set cli screen-width 511",
                    "set cli complete-on-space off"),
        enable=None,
        config_enter="configure",
        config_exit=("exit configuration-mode",),
        discard=("rollback 0",),
        running_config="show configuration",
        save=(),
        commit="commit",
        commit_confirmed="commit confirmed {minutes}",
        error=re.compile(_JUNOS_ERRORS, re.IGNORECASE),
        uses_commit=True,
        notice=re.compile(r"(?m)^# commit confirmed will be rolled back in \d+ minutes?\r?\n?"),
        type_ahead=True,
    ),
}
DIALECTS["cisco_xe"] = DIALECTS["cisco_ios"]

PAGER = re.compile(r"-+ ?\(?more\b[^\n]*$", re.IGNORECASE)
"""A `--More--` / `---(more)---` pager waiting for a key on the last line."""
PASSWORD_PROMPT = re.compile(r"[Pp]assword:\s*$")
QUESTION = re.compile(r"(?:\[(?:yes,no|yes/no|confirm)\][^\n]*|\(yes\)[^\n]*)\s*$", re.IGNORECASE)
"""A yes/no or [confirm] question (Junos `Exit with uncommitted changes? [yes,no] (yes)`)."""


def dialect_for(platform: str, *, device: str = "") -> CliDialect:
    """The dialect of a platform, or a clear error naming the device and the platforms known."""
    try:
        return DIALECTS[platform]
    except KeyError:
        where = f"device {device}: " if device else ""
        known = ", ".join(sorted(DIALECTS))
        raise BadInput(f"{where}unknown platform {platform!r}; known: {known}") from None


def error_pattern(platform: str) -> str:
    """The regex of a refused line on `platform`, for drivers that take one (netmiko)."""
    return dialect_for(platform).error_pattern
