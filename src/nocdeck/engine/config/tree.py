"""The config tree shared by every platform: lines, their children, and where new ones go.

A node is one line of `show running-config` without its indentation (`interface Gi1/0/1`,
` description uplink`, `!`), its children (the indented lines under it), and for a banner the
verbatim body. Nodes keep the indentation they were read with, so a config read and rendered
again comes back byte for byte and a diff shows only what really changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from nocdeck.errors import BadInput
from nocdeck.redaction import MASK_CHAR, mask_config_line


class ConfigTextError(BadInput):
    """Candidate config lines the engine cannot apply (names the platform and the line)."""


@dataclass(eq=False, slots=True)
class ConfigNode:
    """One config line and the lines nested under it."""

    line: str
    children: list[ConfigNode] = field(default_factory=list)
    indent: str | None = None
    """The indentation it was read with; None for a node the engine added (platform style)."""
    body: tuple[str, ...] = ()
    """The verbatim text of a banner, between its header and closing lines."""
    closing: str | None = None
    """The banner's closing delimiter line (`^C`, `EOF`); None for every other line."""

    @property
    def is_block(self) -> bool:
        return self.closing is not None

    def copy(self) -> ConfigNode:
        return ConfigNode(self.line, [c.copy() for c in self.children], self.indent, self.body,
                          self.closing)

    def same_content(self, other: ConfigNode) -> bool:
        """Same line and same banner text (children are compared separately)."""
        return (self.line == other.line and self.body == other.body
                and self.closing == other.closing)


@dataclass(frozen=True)
class Command:
    """One candidate command in the context it applies to (`path` = the section headers)."""

    path: tuple[str, ...]
    line: str
    body: tuple[str, ...] = ()
    closing: str | None = None
    enters: bool = False
    """True for a section header (`interface X`): applying it makes sure the section exists."""


@dataclass(frozen=True)
class LeftAlone:
    """A line the rollback did not push, and why (a masked secret is never pushed)."""

    line: str
    reason: str


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """`Gi1/0/10` sorts after `Gi1/0/9`, the way devices list interfaces and VLANs."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower())
                 for p in re.split(r"(\d+)", text) if p)


def _kind(token: str) -> str:
    """The letters a name starts with: `GigabitEthernet` of `GigabitEthernet1/0/1`."""
    match = re.match(r"[A-Za-z-]*", token)
    return match.group(0).lower() if match else ""


def insertion_index(siblings: list[ConfigNode], words: list[str],
                    words_of: Callable[[ConfigNode], list[str] | None],
                    sorted_lists: re.Pattern[str] | None = None) -> int | None:
    """Where a new line goes among its siblings, or None when nothing resembles it.

    It goes with the siblings sharing the most leading words (`ntp server …` with the other
    NTP servers), after the last of them; in the lists the device keeps sorted
    (`sorted_lists` matches their common words: interfaces, VLANs) it takes its place in
    natural order among those of its kind.
    """
    best = 0
    group: list[int] = []
    for index, node in enumerate(siblings):
        other = words_of(node)
        if not other:
            continue
        common = 0
        for x, y in zip(words, other, strict=False):
            if x != y:
                break
            common += 1
        if common > best:
            best, group = common, [index]
        elif common == best and common:
            group.append(index)
    if not best:
        return None
    if best < len(words) and sorted_lists and sorted_lists.fullmatch(" ".join(words[:best])):
        kind = _kind(words[best])
        members: list[tuple[int, tuple[tuple[int, int, str], ...]]] = []
        everyone: list[tuple[int, tuple[tuple[int, int, str], ...]]] = []
        for index in group:
            other = words_of(siblings[index]) or []
            if len(other) > best:
                everyone.append((index, natural_key(other[best])))
                if _kind(other[best]) == kind:
                    members.append(everyone[-1])
        # Among its own kind first (Gi with Gi); a first Loopback goes by name among all.
        members = members or everyone
        keys = [key for _, key in members]
        if members and keys == sorted(keys):
            mine = natural_key(words[best])
            for index, key in members:
                if key > mine:
                    return index
            return members[-1][0] + 1
    return group[-1] + 1


def is_masked_secret(line: str) -> bool:
    """True when a line carries a secret that was masked (pushing it would set `****`)."""
    if MASK_CHAR not in line:
        return False
    for candidate in (line, re.sub(r"^\s*(?:no|delete|set)\s+", "", line)):
        probe = candidate.replace(MASK_CHAR, "x")
        masked, count = mask_config_line(probe)
        if count and any(m == MASK_CHAR == c for m, c in zip(masked, candidate, strict=True)):
            return True
    return False
