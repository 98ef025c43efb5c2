"""The command grammar of the IOS-like and EOS-like simulators.

Real devices accept any unique prefix of a keyword (`sh run`, `conf t`, `wr mem`) and point a
caret at the first character they could not parse. The grammar is data (one pattern per
command, in `data/<platform>_commands.yaml`); this module expands the patterns and matches a
typed line against them word by word, the way the device's parser walks its command tree.

Pattern syntax: lowercase words are keywords; `[…]` is optional; `(a|b c)` is a choice;
upper-case words are arguments: WORD, LINE (the rest of the line), NUM, VLAN, VLANS
(`10,20-30`), IP, MASK, PREFIX (`10.0.0.0/8`), IFNAME (an interface, abbreviations allowed).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ARGUMENTS = frozenset({"WORD", "LINE", "NUM", "VLAN", "VLANS", "IP", "MASK", "PREFIX", "IFNAME"})
_VLANS_RE = re.compile(r"^\d+(-\d+)?(,\d+(-\d+)?)*$")
_WORD_RE = re.compile(r"\S+")

Entry = tuple["Command", tuple[str, ...], list[str], list[str]]
"""A command still matching: its word sequence, the words and the arguments read so far.
The lists are never changed in place, so entries can share them."""


@dataclass(frozen=True)
class Command:
    """One grammar entry: what a matching line does."""

    pattern: str
    action: str = "set"
    """`set` stores the line in the config; other names are handled by the session."""
    enter: str | None = None
    """The sub-mode this line enters (`config-if`), for section lines."""
    key: int = 0
    """A line replaces the existing one whose first `key` words are the same (0: none)."""
    sequences: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Match:
    command: Command
    words: tuple[str, ...]
    """The line with keywords spelled out and interface names made canonical."""
    args: tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    """Why a line did not parse: `invalid` at a column, `incomplete`, or `ambiguous`."""

    kind: str
    column: int = 0
    word: str = ""
    start: int = 0
    """Where the offending word starts (the caret may point inside it)."""


@dataclass
class Grammar:
    """The commands of one mode, expanded; `canonical_interface` resolves IFNAME words."""

    commands: list[Command]
    canonical_interface: Callable[[str], str | None]
    _seqs: list[tuple[Command, tuple[str, ...]]] = field(default_factory=list)
    _start: list[Entry] = field(default_factory=list)
    _first_words: list[tuple[str, str, list[Entry]]] | None = None
    """Each first keyword, lowercased, and the entries after it (None: some command starts
    with an argument); the first word of a line is looked up here, not against every
    sequence of the mode."""

    def __post_init__(self) -> None:
        self._seqs = [(c, s) for c in self.commands for s in c.sequences]
        self._start = [(c, s, [], []) for c, s in self._seqs]
        first: dict[str, list[Entry]] = {}
        for c, s in self._seqs:
            first.setdefault(s[0], []).append((c, s, [s[0]], []))
        if not any(token in ARGUMENTS for token in first):
            self._first_words = [(token, token.lower(), hits) for token, hits in first.items()]

    def parse(self, line: str, *, partial: bool = False) -> Match | Problem:
        """Match a line; with `partial`, a prefix of a command is enough (`no description`)."""
        spans = self._words(line)
        live = self._start
        finished: list[tuple[Command, list[str], list[str]]] = []
        for index, (column, word) in enumerate(spans):
            lower = word.lower()
            keyword_hits: dict[str, list[Any]] = {}
            argument_hits: list[Any] = []
            scan = live
            if index == 0 and self._first_words is not None:
                keyword_hits = {token: hits for token, low, hits in self._first_words
                                if low.startswith(lower)}
                scan = []  # every entry that matches is in keyword_hits already
            for entry in scan:
                command, seq, words, args = entry
                if index >= len(seq):
                    continue
                token = seq[index]
                if token == "LINE":
                    rest = line[column:].strip()
                    finished.append((command, [*words, rest], [*args, rest]))
                elif token in ARGUMENTS:
                    value = self._argument(token, word)
                    if value is not None:
                        argument_hits.append((command, seq, [*words, value], [*args, value]))
                elif token.lower().startswith(lower):
                    keyword_hits.setdefault(token, []).append(
                        (command, seq, [*words, token], args))
            if keyword_hits:
                exact = [hit for token, hits in keyword_hits.items() if token.lower() == lower
                         for hit in hits]
                if exact:
                    live = exact
                elif len(keyword_hits) == 1:
                    live = next(iter(keyword_hits.values()))
                else:
                    return Problem("ambiguous", column, word, column)
            elif argument_hits:
                live = argument_hits
            else:
                if finished:
                    break
                return Problem("invalid", column + self._good_prefix(live, index, lower), word,
                               column)
        else:
            complete = [(c, w, a) for c, s, w, a in live if len(s) == len(spans)]
            if complete:
                command, words, args = complete[0]
                return Match(command, tuple(words), tuple(args))
            if partial and live and spans:
                command, _seq, words, args = live[0]
                return Match(command, tuple(words), tuple(args))
            if finished:
                command, words, args = finished[0]
                return Match(command, tuple(words), tuple(args))
            return Problem("incomplete", len(line.rstrip()))
        command, words, args = finished[0]
        return Match(command, tuple(words), tuple(args))

    def _words(self, line: str) -> list[tuple[int, str]]:
        """Words with their columns; `interface vlan 30` is read as `interface vlan30`."""
        spans = [(m.start(), m.group()) for m in _WORD_RE.finditer(line)]
        index = 1
        while index < len(spans) - 1:
            before, (column, word), after = spans[index - 1][1].lower(), spans[index], \
                spans[index + 1][1]
            if (len(before) >= 2 and ("interfaces".startswith(before)
                                      or "source-interface".startswith(before))
                    and word.isalpha() and after[:1].isdigit()
                    and self.canonical_interface(word + after) is not None):
                spans[index:index + 2] = [(column, word + after)]
            index += 1
        return spans

    @staticmethod
    def _good_prefix(live: list[Any], index: int, word: str) -> int:
        """How many characters of `word` still prefix some keyword (where the caret goes)."""
        best = 0
        for _command, seq, _words, _args in live:
            if index < len(seq) and seq[index] not in ARGUMENTS:
                token = seq[index].lower()
                n = 0
                while n < len(word) and n < len(token) and token[n] == word[n]:
                    n += 1
                best = max(best, n)
        return best

    def _argument(self, kind: str, word: str) -> str | None:
        if kind == "WORD":
            return word
        if kind == "NUM":
            return word if word.isdigit() else None
        if kind == "VLAN":
            return word if word.isdigit() and 1 <= int(word) <= 4094 else None
        if kind == "VLANS":
            return word if _VLANS_RE.match(word) and _vlans_in_range(word) else None
        if kind in {"IP", "MASK"}:
            try:
                ipaddress.IPv4Address(word)
            except ValueError:
                return None
            return word
        if kind == "PREFIX":
            try:
                ipaddress.IPv4Interface(word)
            except ValueError:
                return None
            return word if "/" in word else None
        if kind == "IFNAME":
            return self.canonical_interface(word)
        return None


def _vlans_in_range(text: str) -> bool:
    return all(1 <= vid <= 4094 for vid in expand_vlans(text))


def expand_vlans(text: str) -> list[int]:
    """`10,20-22` -> [10, 20, 21, 22]."""
    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            low, high = part.split("-", 1)
            out.extend(range(int(low), int(high) + 1))
        elif part:
            out.append(int(part))
    return sorted(set(out))


def compress_vlans(vlans: list[int]) -> str:
    """[10, 20, 21, 22] -> `10,20-22` (how IOS prints an allowed-VLAN list)."""
    parts: list[str] = []
    ordered = sorted(set(vlans))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def expand_pattern(pattern: str) -> list[tuple[str, ...]]:
    """All word sequences a pattern allows: `a [b] (c|d e)` -> a c, a d e, a b c, a b d e."""
    tokens = re.findall(r"\[|\]|\(|\)|\||[^\s\[\]()|]+", pattern)
    position = 0

    def alternatives(closing: str | None) -> list[list[str]]:
        nonlocal position
        options: list[list[str]] = []
        current: list[list[str]] = [[]]
        while position < len(tokens):
            token = tokens[position]
            position += 1
            if token == closing:
                break
            if token == "|":
                options.extend(current)
                current = [[]]
            elif token in "[(":
                inner = alternatives("]" if token == "[" else ")")
                if token == "[":
                    inner = [[], *inner]
                current = [c + i for c in current for i in inner]
            else:
                current = [[*c, token] for c in current]
        options.extend(current)
        return options

    return [tuple(seq) for seq in alternatives(None) if seq]


def build_commands(entries: list[Any]) -> list[Command]:
    """Turn the YAML entries of one mode (a string or a mapping) into commands."""
    commands = []
    for entry in entries:
        spec = {"cmd": entry} if isinstance(entry, str) else dict(entry)
        pattern = str(spec["cmd"])
        commands.append(Command(
            pattern=pattern, action=str(spec.get("do", "set")), enter=spec.get("enter"),
            key=int(spec.get("key", 0)), sequences=tuple(expand_pattern(pattern)),
        ))
    return commands
