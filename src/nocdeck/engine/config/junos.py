"""Junos configs compared in `display set` form.

A Junos config is read from either form `show configuration` prints (braces and semicolons,
or `| display set`) and kept as its set lines, in order: one line per leaf, the way Junos
itself compares configs. `set` adds a statement or replaces a leaf's single value, `delete`
removes a statement and everything under it, `deactivate` / `activate` toggle the
`inactive:` mark. Which statements take one value lives in the Junos table in
`platforms.py`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from nocdeck.engine.config.platforms import JunosDialect
from nocdeck.engine.config.tree import ConfigNode, ConfigTextError, insertion_index

_WORD = re.compile(r'"(?:[^"\\]|\\.)*"|[^\s"]+')
# The leading `\s*` skips indentation in one step (no token starts with a space), instead of
# trying every alternative at each space; findall returns the group, the token itself.
_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|/\*.*?\*/|#[^\n]*|[{};\[\]]|[^\s{};\[\]"#]+)', re.S)
_VERBS = ("set", "delete", "deactivate", "activate")
_MARKS = frozenset({"inactive:", "protect:", "replace:"})
_NOT_A_WORD = frozenset("#/{};[]")
"""First characters of the tokens `braces_to_set` does more with than keep as a word."""


def split_words(text: str) -> list[str]:
    """Words of a statement, a quoted string being one word."""
    return _WORD.findall(text)


def _is_braces(text: str) -> bool:
    for line in text.splitlines():
        stripped = line.split("##")[0].strip()
        if stripped.endswith(("{", "}", ";")):
            return True
    return False


def braces_to_set(text: str) -> list[str]:
    """`show configuration` (braces) -> its `display set` lines, in the same order."""
    out: list[str] = []
    stack: list[tuple[list[str], bool, int]] = []  # (path, inactive, lines before the block)
    path: list[str] = []
    words: list[str] = []
    items: list[str] | None = None
    inactive = False
    for token in _TOKEN.findall(text):
        if items is None and token[0] not in _NOT_A_WORD and token not in _MARKS:
            words.append(token)  # most tokens are plain words: one test, not eight
            continue
        if token.startswith(("#", "/*")):
            continue
        if items is not None:
            if token == "]":
                out.extend("set " + " ".join([*path, *words, item]) for item in items)
                items, words = None, []
                continue
            items.append(token)
            continue
        if token == "[":
            items = []
        elif token in _MARKS and not words:
            inactive = inactive or token == "inactive:"
        elif token == "{":
            stack.append((path, inactive, len(out)))
            path, words, inactive = [*path, *words], [], False
        elif token == ";":
            if words:
                statement = " ".join([*path, *words])
                out.append("set " + statement)
                if inactive:
                    out.append("deactivate " + statement)
            words, inactive = [], False
        elif token == "}":
            if not stack:
                raise ConfigTextError("juniper_junos: a '}' closes nothing")
            before_path, was_inactive, start = stack.pop()
            if len(out) == start and path:
                out.append("set " + " ".join(path))
            if was_inactive and path:
                out.append("deactivate " + " ".join(path))
            path, words, inactive = before_path, [], False
        else:
            words.append(token)
    if stack or words:
        raise ConfigTextError("juniper_junos: the configuration ends inside a statement "
                              "(a '}' or ';' is missing)")
    return out


def to_set_lines(text: str) -> list[str]:
    """Either form of the Junos config -> normalised `set` / `deactivate` lines."""
    if _is_braces(text):
        return braces_to_set(text)
    out = []
    for line in text.splitlines():
        words = split_words(line.strip())
        if words and words[0] in ("set", "deactivate"):
            out.append(" ".join(words))
    return out


def parse(text: str) -> ConfigNode:
    return ConfigNode("", [ConfigNode(line) for line in to_set_lines(text)])


def render(root: ConfigNode) -> str:
    return "".join(node.line + "\n" for node in root.children)


def commands(lines: Sequence[str]) -> list[str]:
    """Candidate lines (set/delete form, or braces to merge) -> normalised statements."""
    text = "\n".join(lines)
    if _is_braces(text):
        return braces_to_set(text)
    out = []
    for number, line in enumerate(lines, start=1):
        words = split_words(line.strip())
        if not words or words[0].startswith("#"):
            continue
        if words[0] not in _VERBS or len(words) < 2:
            raise ConfigTextError(f"juniper_junos: candidate line {number} {line.strip()!r} "
                                  "is not a 'set', 'delete', 'deactivate' or 'activate' "
                                  "statement")
        out.append(" ".join(words))
    return out


def leaf_key(dialect: JunosDialect, words: Sequence[str]) -> str | None:
    """`interfaces ge-0/0/1 description "x"` -> `interfaces ge-0/0/1 description`: the
    statement a new value replaces; None when the statement is not a one-value leaf."""
    index = 0
    while index < len(words) - 1:
        word = words[index]
        if word in dialect.valued_containers:
            index += 2
            continue
        if word in dialect.single_value:
            return " ".join(words[: index + 1])
        index += 1
    return None


@dataclass
class JunosEditor:
    """Applies statements to a config held as its set lines."""

    dialect: JunosDialect
    root: ConfigNode

    @property
    def lines(self) -> list[ConfigNode]:
        return self.root.children

    def apply(self, statement: str) -> bool:
        """Apply one statement; True when the config changed."""
        verb, _, rest = statement.partition(" ")
        if verb == "set":
            return self._set(rest)
        if verb == "delete":
            return self._delete(rest)
        if verb == "deactivate":
            line = "deactivate " + rest
            if any(n.line == line for n in self.lines):
                return False
            self.lines.append(ConfigNode(line))
            return True
        line = "deactivate " + rest
        before = len(self.lines)
        self.root.children = [n for n in self.lines if n.line != line]
        return len(self.lines) != before

    def _set(self, rest: str) -> bool:
        line = "set " + rest
        # Lines are normalised (one space between words), so one search of the joined text
        # answers "is it there already" without a Python loop over every line.
        text = "\n" + "\n".join(n.line for n in self.lines) + "\n"
        if "\n" + line + "\n" in text or "\n" + line + " " in text:
            return False
        words = split_words(rest)
        leaf = leaf_key(self.dialect, words)
        if leaf is not None and f"\nset {leaf} " in text:
            same = [n for n in self.lines if n.line.startswith(f"set {leaf} ")]
            same[0].line = line
            self.root.children = [n for n in self.lines if n not in same[1:]]
            return True
        # A bare container (`set vlans v30`) disappears once something is set inside it.
        containers = {"set " + " ".join(words[:n]) for n in range(1, len(words))}
        if any("\n" + container + "\n" in text for container in containers):
            self.root.children = [n for n in self.lines if n.line not in containers]
        first = "set " + words[0] if words else "set "

        def words_of(node: ConfigNode) -> list[str] | None:
            # Another first word shares nothing: no need to split the line into words.
            return _words_of(node) if node.line.startswith(first) else None

        pos = insertion_index(self.lines, words, words_of, self.dialect.sorted_lists)
        self.lines.insert(len(self.lines) if pos is None else pos, ConfigNode(line))
        return True

    def _delete(self, rest: str) -> bool:
        targets = ("set " + rest, "deactivate " + rest)
        kept = [n for n in self.lines
                if not any(n.line == t or n.line.startswith(t + " ") for t in targets)]
        changed = len(kept) != len(self.lines)
        self.root.children = kept
        return changed


def _words_of(node: ConfigNode) -> list[str] | None:
    if not node.line.startswith("set "):
        return None
    return split_words(node.line[4:])


def commands_between(dialect: JunosDialect, start: ConfigNode, goal: ConfigNode) -> list[str]:
    """Statements that turn `start` into `goal`: deletes first, then sets.

    A statement missing from `goal` is deleted at the highest level that `goal` has nothing
    under (a whole new VLAN goes with one `delete vlans v31`); a leaf whose value changed
    is simply set back.
    """
    start_lines = {n.line for n in start.children}
    goal_lines = {n.line for n in goal.children}
    in_goal: set[str] = set()
    for node in goal.children:
        if node.line.startswith("set "):
            words = split_words(node.line[4:])
            in_goal.update(" ".join(words[:n]) for n in range(1, len(words) + 1))
    out: list[str] = []
    deleted: list[str] = []
    for node in start.children:
        if node.line in goal_lines:
            continue
        verb, _, rest = node.line.partition(" ")
        if verb == "deactivate":
            out.append("activate " + rest)
            continue
        words = split_words(rest)
        leaf = leaf_key(dialect, words)
        if leaf is not None and leaf in in_goal:
            continue  # the set below puts the old value back
        for n in range(1, len(words) + 1):
            prefix = " ".join(words[:n])
            if prefix not in in_goal:
                break
        if not any(prefix == d or prefix.startswith(d + " ") for d in deleted):
            deleted.append(prefix)
            out.append("delete " + prefix)
    out.extend(n.line for n in goal.children if n.line not in start_lines)
    return out
