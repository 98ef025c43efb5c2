"""IOS, IOS-XE and EOS configs as text: read `show running-config`, write it back, read
candidate lines the way the device's CLI would take them.

The tree follows indentation; `!` lines, the `Building configuration...` header and `end` are
kept as plain lines so that rendering a config read from a device gives the same text back.
Everything platform-specific comes from the dialect table in `platforms.py`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from nocdeck.engine.config.platforms import CLI_DIALECTS, CliDialect
from nocdeck.engine.config.tree import Command, ConfigNode, ConfigTextError

_UNKEYED = re.compile(r"^(?:!|end$|Building configuration|Current configuration)")
_IOS_BANNER = re.compile(r"^(banner \S+)(?: (\^C|\S)(.*))?$")
_EOS_BANNER = re.compile(r"^banner \S+$")
_INTERFACE = re.compile(r"^((?:no |default )?interface) +([A-Za-z-]+)\s*(\S*)(.*)$")


def is_unkeyed(line: str) -> bool:
    """True for `!`, `end`, the `Building configuration` header and empty lines: lines that
    replace nothing and are never compared."""
    return not line or _UNKEYED.match(line) is not None


def is_separator(node: ConfigNode) -> bool:
    return node.line.startswith("!") or not node.line


def canonical(dialect: CliDialect, line: str) -> str:
    """One spelling per command: single spaces, full interface names."""
    line = " ".join(line.split())
    match = _INTERFACE.match(line)
    if match is None:
        return line
    verb, kind, number, rest = match.groups()
    return f"{verb} {expand_interface_type(dialect.name, kind)}{number}{rest}"


@lru_cache(maxsize=256)
def expand_interface_type(platform: str, kind: str) -> str:
    """`Gi` -> `GigabitEthernet` when exactly one type starts so (as the CLI resolves it)."""
    types = CLI_DIALECTS[platform].interface_types
    lowered = kind.lower()
    exact = [t for t in types if t.lower() == lowered]
    if exact:
        return exact[0]
    matches = [t for t in types if t.lower().startswith(lowered)]
    return matches[0] if len(matches) == 1 else kind


@lru_cache(maxsize=65_536)
def _key(platform: str, line: str) -> str | None:
    if _UNKEYED.match(line) or not line:
        return None
    dialect = CLI_DIALECTS[platform]
    positive = canonical(dialect, line)
    if positive.startswith("no "):
        positive = positive[3:]
    for pattern in dialect.single_value:
        match = pattern.match(positive)
        if match:
            return match.group(0)
    return positive


def key(dialect: CliDialect, line: str) -> str | None:
    """What a line replaces: ` description B` and ` description A` share the key
    `description`; `shutdown` and `no shutdown` share `shutdown`; None for `!` and `end`."""
    return _key(dialect.name, line)


def words(dialect: CliDialect, node: ConfigNode) -> list[str] | None:
    """The words that place a line among its siblings (None: a separator, never an anchor)."""
    if _UNKEYED.match(node.line) or not node.line:
        return None
    positive = canonical(dialect, node.line)
    return (positive[3:] if positive.startswith("no ") else positive).split()


# ---------------------------------------------------------------------------- read and write


def parse(dialect: CliDialect, text: str) -> ConfigNode:
    """`show running-config` text -> a tree that renders back to the same text."""
    root = ConfigNode("")
    stack: list[tuple[int, ConfigNode]] = [(-1, root)]
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        raw = lines[index].rstrip()
        index += 1
        stripped = raw.lstrip()
        width = len(raw) - len(stripped)
        if not stripped:
            stack = stack[:1]
            root.children.append(ConfigNode("", indent=""))
            continue
        while stack[-1][0] >= width:
            stack.pop()
        node = ConfigNode(stripped, indent=raw[:width])
        stack[-1][1].children.append(node)
        if stripped.startswith("banner "):
            index = _read_banner(dialect, node, lines, index)
        elif not stripped.startswith("!"):
            stack.append((width, node))
    return root


def _read_banner(dialect: CliDialect, node: ConfigNode, lines: Sequence[str],
                 index: int) -> int:
    """Fill a banner node's body from the lines after its header; return the next index."""
    if dialect.banner == "eof":
        if not _EOS_BANNER.match(node.line):
            return index
        body: list[str] = []
        while index < len(lines) and lines[index].rstrip() != "EOF":
            body.append(lines[index].rstrip("\r\n"))
            index += 1
        node.body, node.closing = tuple(body), "EOF"
        return min(index + 1, len(lines))
    match = _IOS_BANNER.match(node.line)
    if match is None or match.group(2) is None:
        return index
    head, delimiter, rest = match.groups()
    node.line = f"{head} {delimiter}"
    node.closing = delimiter
    if delimiter in rest:
        node.body = (rest[: rest.index(delimiter)],)
        return index
    body = [rest] if rest else []
    while index < len(lines):
        line = lines[index].rstrip("\r\n")
        index += 1
        if delimiter in line:
            before = line[: line.index(delimiter)]
            if before:
                body.append(before)
            break
        body.append(line)
    node.body = tuple(body)
    return index


def render(dialect: CliDialect, root: ConfigNode) -> str:
    """The tree as the device shows it (new lines indented in the platform's style)."""
    out: list[str] = []
    _render(dialect, root, 0, out)
    return "\n".join(out) + "\n" if out else ""


def _render(dialect: CliDialect, parent: ConfigNode, depth: int, out: list[str]) -> None:
    for node in parent.children:
        indent = node.indent if node.indent is not None else " " * (dialect.indent * depth)
        out.append(indent + node.line)
        if node.closing is not None:
            out.extend(node.body)
            out.append(node.closing)
        if node.children:
            _render(dialect, node, depth + 1, out)


# ---------------------------------------------------------------------------- candidate lines

_SKIP = re.compile(r"^(?:end|conf(?:ig(?:ure)?)?(?: t(?:erminal)?)?)$")


def commands(dialect: CliDialect, lines: Sequence[str]) -> list[Command]:
    """Candidate lines -> commands with their section context, as the device's CLI reads them.

    Indented lines belong to the section above them. Lines written without any indentation
    follow the CLI's modes instead: `interface X` enters a section, the lines after it are
    its children until `exit`, another section, or a command that only exists at the top
    level.
    """
    indented = any(line[:1] in (" ", "\t") and line.strip() for line in lines)
    path: list[tuple[int, str]] = []
    out: list[Command] = []
    index = 0
    while index < len(lines):
        raw = lines[index].rstrip()
        index += 1
        stripped = raw.strip()
        width = len(raw) - len(raw.lstrip())
        if not stripped or _SKIP.match(stripped):
            continue
        if stripped.startswith("!"):
            if indented and width == 0:
                path.clear()
            continue
        if stripped in dialect.leave_section:
            if path:
                path.pop()
            continue
        if indented:
            while path and path[-1][0] >= width:
                path.pop()
        else:
            path = _keyword_context(dialect, path, stripped)
        parents = tuple(header for _, header in path)
        if stripped.startswith("banner "):
            command, index = _candidate_banner(dialect, parents, stripped, lines, index)
            out.append(command)
            continue
        enters = _opens_section(dialect, parents, stripped)
        if indented and not enters:
            following = next((n for n in lines[index:] if n.strip()), "")
            enters = (len(following) - len(following.lstrip()) > width
                      and not following.strip().startswith("!"))
        out.append(Command(parents, stripped, enters=enters))
        if enters:
            path.append((width, stripped))
    return out


def _opens_section(dialect: CliDialect, parents: tuple[str, ...], line: str) -> bool:
    if not parents:
        return any(p.match(line) for p in dialect.sections)
    nested = dialect.subsections.get(parents[0].split()[0], ())
    return len(parents) == 1 and any(p.match(line) for p in nested)


def _keyword_context(dialect: CliDialect, path: list[tuple[int, str]],
                     line: str) -> list[tuple[int, str]]:
    if not path:
        return path
    if any(p.match(line) for p in dialect.sections) or dialect.global_only.match(line):
        return []
    nested = dialect.subsections.get(path[0][1].split()[0], ())
    if len(path) > 1 and any(p.match(line) for p in nested):
        return path[:1]
    return path


def _candidate_banner(dialect: CliDialect, parents: tuple[str, ...], line: str,
                      lines: Sequence[str], index: int) -> tuple[Command, int]:
    node = ConfigNode(line)
    if dialect.banner == "eof":
        head = " ".join(line.split()[:2])
        node.line = head
        index = _read_banner(dialect, node, lines, index)
        if node.closing is None:
            raise ConfigTextError(f"{dialect.name}: '{line}' needs its text on the next lines "
                                  "and a line 'EOF' after it")
    else:
        index = _read_banner(dialect, node, lines, index)
        if node.closing is None:
            raise ConfigTextError(f"{dialect.name}: '{line}' has no delimiter: write "
                                  "'banner motd ^C', the text, then '^C'")
        # Stored the way `show running-config` shows it, whatever delimiter was typed.
        node.line = " ".join(node.line.split()[:2]) + " ^C"
        node.closing = "^C"
    return Command(parents, node.line, body=node.body, closing=node.closing), index
