"""The hierarchical configuration of an IOS-like or EOS-like device.

A config is a list of top-level lines; section lines (`interface …`, `vlan …`, `router …`,
`line …`) carry their sub-commands. The device keeps lines in its own order (hostname before
interfaces, interfaces sorted by slot/port, `line` sections last), not in the order they were
typed, so a pushed change lands where the real device would print it.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field


@dataclass
class Node:
    text: str
    children: list[Node] = field(default_factory=list)
    section: bool = False
    """Printed as a block followed by `!`, even when it has no sub-commands."""
    raw: list[str] = field(default_factory=list)
    """Free text lines (a banner's body)."""


@dataclass(frozen=True)
class Layout:
    """How one platform orders, indents and names things in its running config."""

    indent: str
    order: tuple[str, ...]
    """Top-level line prefixes in printing order; `*` is where unknown lines go."""
    child_order: tuple[str, ...]
    interface_types: tuple[tuple[str, str], ...]
    """(full name, short name) in the device's sort order: GigabitEthernet/Gi …."""
    banner_style: str
    """`ios` (delimited by ^C) or `eos` (ended by `EOF`)."""
    section_prefixes: tuple[str, ...] = ("interface ", "vlan ", "router ", "line ")

    def canonical_interface(self, word: str) -> str | None:
        """`gi1/0/1` -> `GigabitEthernet1/0/1`; None when no type (or several) match."""
        m = re.fullmatch(r"([A-Za-z][A-Za-z-]*?)\s*(\d+(?:[/.:]\d+)*)", word)
        if m is None:
            return None
        prefix, number = m.group(1).lower(), m.group(2)
        exact = [full for full, short in self.interface_types
                 if prefix in {short.lower(), full.lower()}]
        found = exact or [full for full, _ in self.interface_types
                          if full.lower().startswith(prefix)]
        return f"{found[0]}{number}" if len(found) == 1 else None

    def short_interface(self, name: str) -> str:
        for full, short in self.interface_types:
            if name.startswith(full):
                return short + name[len(full):]
        return name

    def interface_key(self, name: str) -> tuple[int, tuple[int, ...]]:
        for index, (full, _short) in enumerate(self.interface_types):
            if name.startswith(full):
                return index, tuple(int(n) for n in re.findall(r"\d+", name[len(full):]))
        return len(self.interface_types), ()


@functools.lru_cache(maxsize=16384)
def _rank(order: tuple[str, ...], text: str) -> int:
    """Where a line goes in the printing order (cached: the same lines recur a lot)."""
    text = text[3:] if text.startswith("no ") else text
    best, best_len = order.index("*") if "*" in order else len(order), -1
    for index, prefix in enumerate(order):
        if prefix != "*" and (text == prefix or text.startswith(prefix + " ")
                              or text.startswith(prefix)) and len(prefix) > best_len:
            best, best_len = index, len(prefix)
    return best


@dataclass
class CiscoConfig:
    """A running or startup configuration.

    It changes only through its methods (the session's handlers and `parse_config` build it
    with them or before it is first printed), which is what lets `render` keep its text: every
    `show running-config` printed the whole config again, twice a session in a fan-out.
    """

    layout: Layout
    nodes: list[Node] = field(default_factory=list)
    _text: str | None = field(default=None, compare=False, repr=False)
    """What `render` printed last; every change clears it."""

    def copy(self) -> CiscoConfig:
        return CiscoConfig(self.layout, copy.deepcopy(self.nodes), self._text)

    # -- lookups -----------------------------------------------------------------------
    def find(self, text: str) -> Node | None:
        for node in self.nodes:
            if node.text == text:
                return node
        return None

    def value(self, prefix: str) -> str | None:
        """The rest of the first top-level line starting with `prefix ` (`hostname`)."""
        for node in self.nodes:
            if node.text.startswith(prefix + " "):
                return node.text[len(prefix) + 1:]
        return None

    def sections(self, prefix: str) -> list[Node]:
        return [n for n in self.nodes if n.text.startswith(prefix + " ")]

    @property
    def hostname(self) -> str:
        return self.value("hostname") or "Switch"

    # -- changes -----------------------------------------------------------------------
    def section(self, text: str) -> Node:
        """The section with this header, created in its place when it does not exist."""
        node = self.find(text)
        if node is None:
            node = Node(text, section=True)
            self._insert(self.nodes, node, self.layout.order, top=True)
        return node

    def clear_section(self, node: Node) -> None:
        """Remove every sub-command of a section (`no interface Gi1/0/1` on a port)."""
        self._text = None
        node.children.clear()

    def set_line(self, text: str, key: int, parent: Node | None = None) -> None:
        """Add a line, replacing the one with the same first `key` words."""
        self._text = None
        nodes = self.nodes if parent is None else parent.children
        words = text.split()
        if key:
            for index, node in enumerate(nodes):
                if node.text.split()[:key] == words[:key]:
                    nodes[index] = Node(text, node.children, node.section, node.raw)
                    return
        if any(node.text == text for node in nodes):
            return
        order = self.layout.order if parent is None else self.layout.child_order
        self._insert(nodes, Node(text), order, top=parent is None)

    def remove(self, words: tuple[str, ...] | list[str], parent: Node | None = None) -> int:
        """Remove every line that starts with these words (`no …`); return how many."""
        self._text = None
        nodes = self.nodes if parent is None else parent.children
        prefix = " ".join(words)
        spaced = prefix + " "
        keep = [n for n in nodes if n.text != prefix and not n.text.startswith(spaced)]
        removed = len(nodes) - len(keep)
        nodes[:] = keep
        return removed

    def set_banner(self, body: list[str] | None) -> None:
        self.remove(("banner", "motd"))
        if body is not None:
            self._insert(self.nodes, Node("banner motd", raw=list(body)), self.layout.order,
                         top=True)

    @property
    def banner(self) -> list[str] | None:
        node = self.find("banner motd")
        return None if node is None else node.raw

    def _insert(self, nodes: list[Node], node: Node, order: tuple[str, ...], *, top: bool) -> None:
        self._text = None
        rank = _rank(order, node.text)
        sort_key = self._sort_key(node.text) if top else None
        position = len(nodes)
        for index, other in enumerate(nodes):
            other_rank = _rank(order, other.text)
            if other_rank > rank:
                position = index
                break
            if other_rank == rank and sort_key is not None:
                other_key = self._sort_key(other.text)
                if other_key is not None and other_key > sort_key:
                    position = index
                    break
        nodes.insert(position, node)

    def _sort_key(self, text: str) -> tuple[int, tuple[int, ...]] | None:
        if text.startswith("interface "):
            return self.layout.interface_key(text.split(" ", 1)[1])
        if text.startswith("vlan ") and text[5:].isdigit():
            return 0, (int(text[5:]),)
        return None

    # -- text --------------------------------------------------------------------------
    def render(self) -> str:
        """The config body as the device prints it, ending with `end`."""
        if self._text is not None:
            return self._text
        indent = self.layout.indent
        out: list[str] = []
        previous_rank = None
        for node in self.nodes:
            rank = _rank(self.layout.order, node.text)
            block = node.section or node.children or node.raw
            if out and out[-1] != "!" and (block or rank != previous_rank):
                out.append("!")
            if node.raw is not None and node.text == "banner motd":
                out.extend(self._render_banner(node.raw))
            else:
                out.append(node.text)
                out.extend(indent + child.text for child in node.children)
            if block:
                out.append("!")
            previous_rank = rank
        if out and out[-1] != "!":
            out.append("!")
        out.append("end")
        self._text = "\n".join(out) + "\n"
        return self._text

    def _render_banner(self, body: list[str]) -> list[str]:
        if self.layout.banner_style == "eos":
            return ["banner motd", *body, "EOF"]
        return ["banner motd ^C", *body, "^C"]


def parse_config(text: str, layout: Layout) -> CiscoConfig:
    """Read a config as the device prints it (header comments and `!` lines are skipped)."""
    config = CiscoConfig(layout)
    lines = text.splitlines()
    current: Node | None = None
    index = 0
    while index < len(lines):
        line = lines[index].rstrip()
        index += 1
        stripped = line.strip()
        if not stripped or stripped.startswith("!") or stripped == "end" or _is_header(line):
            if not line.startswith(" "):
                current = None if stripped in {"!", "end"} else current
            continue
        if line.startswith("banner motd"):
            body, index = _read_banner(line, lines, index, layout)
            config.nodes.append(Node("banner motd", raw=body))
            current = None
            continue
        if line[0].isspace() and current is not None:
            current.children.append(Node(stripped))
            continue
        node = Node(stripped, section=stripped.startswith(layout.section_prefixes))
        config.nodes.append(node)
        current = node
    return config


def _is_header(line: str) -> bool:
    return line.startswith(("Building configuration", "Current configuration", "Using "))


def _read_banner(first: str, lines: list[str], index: int, layout: Layout
                 ) -> tuple[list[str], int]:
    if layout.banner_style == "eos":
        body = []
        while index < len(lines) and lines[index].rstrip() != "EOF":
            body.append(lines[index].rstrip())
            index += 1
        return body, index + 1
    rest = first[len("banner motd"):].strip()
    delimiter = "^C" if rest.startswith("^C") else rest[:1]
    rest = rest[len(delimiter):]
    if delimiter and delimiter in rest:
        return [rest.split(delimiter, 1)[0]], index
    body = [rest] if rest else []
    while index < len(lines):
        line = lines[index].rstrip()
        index += 1
        if delimiter in line:
            head = line.split(delimiter, 1)[0]
            if head:
                body.append(head)
            break
        body.append(line)
    return body, index
