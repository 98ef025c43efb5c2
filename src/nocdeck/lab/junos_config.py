"""The Junos configuration as a tree of statements, edited by `set` / `delete` paths.

A `JunosConfig` is what `show configuration` prints (braces and semicolons), what
`| display set` flattens, and what `show | compare` diffs. It round-trips through its set
lines (`from_set_lines(config.display_set())`), which is how a saved lab state is reloaded.

Configs share their statements: `copy()` is O(1), and an edit copies only the statements
along its path (copy-on-write). Every `configure` makes a candidate from the running config
and every commit keeps one in the history, so a deep copy of a few hundred statements at
each of them was most of a Junos session's CPU in the lab. A statement belongs to the config
whose `_owner` token it carries; any other config copies it before changing it.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from nocdeck.lab.junos_schema import ROOT, Container, Flag, Leaf, LeafList, Named, Spec

_SEQ = itertools.count()
"""Insertion order for lists Junos keeps in the order they were configured."""
_OWNERS = itertools.count(1)
"""Owner tokens: a config may change in place only the statements carrying its own."""

Rank = tuple[int, tuple[tuple[int, int, str], ...], int]


def _natural(name: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p)
                 for p in re.split(r"(\d+)", name) if p)


class PathError(Exception):
    """A `set` / `delete` / `edit` path Junos would refuse; `token` is where the caret goes."""

    def __init__(self, message: str, token: int) -> None:
        super().__init__(message)
        self.message = message
        self.token = token


@dataclass
class Node:
    """One statement: a container (`interfaces`, `unit 0`), a leaf, a leaf-list or a flag."""

    head: str
    spec: Spec = field(compare=False, repr=False)
    rank: Rank = field(compare=False, repr=False)
    values: list[str] = field(default_factory=list)
    children: dict[str, Node] = field(default_factory=dict)
    owner: int = field(default=0, compare=False, repr=False)
    """The config allowed to change this statement in place (0: none, it is shared)."""
    text: tuple[int, str] | None = field(default=None, compare=False, repr=False)
    """(depth, lines) as last rendered; an edit clears it on every statement of its path."""

    def ordered(self) -> list[Node]:
        return sorted(self.children.values(), key=_RANK)


_RANK = operator.attrgetter("rank")


@dataclass(frozen=True)
class Step:
    """One statement along a path: its head, what it is, where it sorts among its siblings."""

    head: str
    spec: Spec
    kw_index: int
    name_key: tuple[tuple[int, int, str], ...] | None


@dataclass(frozen=True)
class Path:
    """A resolved path; `values` are the leaf values given after the last step."""

    steps: tuple[Step, ...]
    values: tuple[str, ...] = ()


def body_of(spec: Spec) -> Container | None:
    """The container a step leads into (a named entry leads into its body)."""
    if isinstance(spec, Named):
        return spec.body
    return spec if isinstance(spec, Container) else None


def resolve(tokens: Sequence[str], start: Container = ROOT, *, need_value: bool = True,
            offset: int = 0) -> Path:
    """Walk `tokens` through the schema the way the Junos CLI does.

    Raises:
        PathError: with Junos's message and the index (plus `offset`) of the offending token.
    """
    steps: list[Step] = []
    spec: Container = start
    i = 0
    while i < len(tokens):
        word = tokens[i]
        child = spec.children.get(word)
        if child is None:
            if spec.names is None:
                raise PathError("syntax error.", offset + i)
            _check(spec.names.check, word, offset + i)
            key = _natural(word) if spec.names.natural_order else None
            steps.append(Step(word, spec.names, len(spec.children), key))
            spec, i = spec.names.body, i + 1
            continue
        index = list(spec.children).index(word)
        if isinstance(child, Named):
            if i + 1 >= len(tokens):
                raise PathError("missing argument.", offset + i + 1)
            name = tokens[i + 1]
            _check(child.check, name, offset + i + 1)
            key = _natural(name) if child.natural_order else None
            steps.append(Step(f"{word} {name}", child, index, key))
            spec, i = child.body, i + 2
            continue
        steps.append(Step(word, child, index, None))
        if isinstance(child, Container):
            spec, i = child, i + 1
            continue
        rest = [t for t in tokens[i + 1:] if t not in ("[", "]")]
        if isinstance(child, Flag):
            if i + 1 < len(tokens):
                raise PathError("syntax error.", offset + i + 1)
        elif isinstance(child, Leaf):
            if not rest and need_value:
                raise PathError("missing argument.", offset + i + 1)
            if len(rest) > 1:
                raise PathError("syntax error.", offset + i + 2)
            for value in rest:
                _check(child.check, value, offset + i + 1)
        else:
            if not rest and need_value:
                raise PathError("missing argument.", offset + i + 1)
            for n, value in enumerate(rest):
                _check(child.check, value, offset + i + 1 + n)
        return Path(tuple(steps), tuple(rest))
    return Path(tuple(steps))


def _check(check: object, value: str, token: int) -> None:
    if callable(check):
        message = check(value)
        if message is not None:
            if not message.startswith("syntax error"):
                message += f" at '{value}'"
            raise PathError(message, token)


_WORD = re.compile(r"\S+")


def tokenize(line: str) -> list[tuple[str, int]]:
    """Split a CLI line into words and their columns; "double quotes" group a value."""
    if '"' not in line:  # most lines: the words are what lies between spaces
        return [(m.group(), m.start()) for m in _WORD.finditer(line)]
    words: list[tuple[str, int]] = []
    i, n = 0, len(line)
    while i < n:
        if line[i].isspace():
            i += 1
            continue
        start, word = i, []
        while i < n and not line[i].isspace():
            if line[i] == '"':
                i += 1
                while i < n and line[i] != '"':
                    if line[i] == "\\" and i + 1 < n and line[i + 1] == '"':
                        i += 1
                    word.append(line[i])
                    i += 1
                i += 1
            else:
                word.append(line[i])
                i += 1
        words.append(("".join(word), start))
    return words


_NEEDS_QUOTES = re.compile(r"[\s;{}#\"\[\]$]")


def quote(value: str, *, always: bool = False) -> str:
    """Quote a value the way Junos prints it (spaces and specials need quotes)."""
    if always or not value or _NEEDS_QUOTES.search(value):
        return '"' + value.replace('"', '\\"') + '"'
    return value


class JunosConfig:
    """A whole configuration database (committed or candidate)."""

    def __init__(self, root: Node | None = None) -> None:
        self._owner = next(_OWNERS)
        self.root = root if root is not None else Node("", ROOT, (0, (), 0), owner=self._owner)

    def copy(self) -> JunosConfig:
        """An independent config that shares every statement until one side edits it."""
        self._owner = next(_OWNERS)  # what this config owned is shared from now on
        return JunosConfig(self.root)

    def _own(self, node: Node) -> Node:
        """`node`, or a shallow copy of it this config may change (children stay shared)."""
        if node.owner == self._owner:
            return node
        return Node(node.head, node.spec, node.rank, list(node.values), dict(node.children),
                    owner=self._owner)

    def _own_path(self, steps: Sequence[Step]) -> list[Node]:
        """The root and the nodes along existing `steps`, each one this config's own."""
        node = self.root = self._own(self.root)
        nodes = [node]
        for step in steps:
            child = node.children[step.head]
            own = self._own(child)
            if own is not child:
                node.children[step.head] = own
            nodes.append(own)
            node = own
        for node in nodes:
            node.text = None
        return nodes

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JunosConfig) and self.root == other.root

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[object, tuple[list[str]]]:
        """Pickle as set lines: the schema holds functions, which pickle cannot carry."""
        return (_from_set_lines, (self.display_set(),))

    @classmethod
    def from_set_lines(cls, lines: Sequence[str]) -> JunosConfig:
        """Build a config from `set …` lines (as `display_set()` prints them)."""
        config = cls()
        for line in lines:
            words = [t for t, _ in tokenize(line)]
            if words and words[0] == "set":
                config.set(resolve(words[1:]))
        return config

    @classmethod
    def parse(cls, text: str) -> JunosConfig:
        """Read `show configuration` text back (braces, semicolons, `## …` comments).

        Raises:
            PathError: naming the line number (as `token`) of a statement the schema refuses.
        """
        config = cls()
        heads: list[list[str]] = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = re.sub(r"\s*## .*$|^\s*#.*$", "", raw).strip()
            if not line:
                continue
            if line == "}":
                if heads:
                    heads.pop()
                continue
            words = [w for w, _ in tokenize(line.rstrip(";{ "))]
            if line.endswith("{"):
                heads.append(words)
                continue
            try:
                path = resolve([w for head in heads for w in head] + words, need_value=False)
            except PathError as error:
                raise PathError(f"line {number}: {error.message}", number) from None
            config.set(path)
        return config

    # -- editing ------------------------------------------------------------------------

    def find(self, steps: Sequence[Step]) -> Node | None:
        node = self.root
        for step in steps:
            child = node.children.get(step.head)
            if child is None:
                return None
            node = child
        return node

    def set(self, path: Path) -> None:
        """Create the path (a `set` line); a leaf takes the value, a leaf-list adds to it."""
        node = self.root = self._own(self.root)
        node.text = None
        for step in path.steps:
            child = node.children.get(step.head)
            if child is None:
                rank: Rank = (step.kw_index, step.name_key or (), next(_SEQ))
                child = Node(step.head, step.spec, rank, owner=self._owner)
                node.children[step.head] = child
            elif child.owner != self._owner:
                child = node.children[step.head] = self._own(child)
            else:
                child.text = None
            node = child
        if isinstance(node.spec, Leaf) and path.values:
            node.values = [path.values[0]]
        elif isinstance(node.spec, LeafList):
            node.values += [v for v in path.values if v not in node.values]

    def delete(self, path: Path) -> bool:
        """Remove the path (a `delete` line); False when the statement is not there."""
        node = self.find(path.steps)
        if node is None:
            return False
        if isinstance(node.spec, LeafList) and path.values \
                and not set(path.values) & set(node.values):
            return False
        parents = self._own_path(path.steps)
        node = parents.pop()
        if isinstance(node.spec, LeafList) and path.values:
            node.values = [v for v in node.values if v not in path.values]
            if node.values:
                return True
        if not parents:
            self.root.children.clear()
            return True
        del parents[-1].children[node.head]
        while len(parents) > 1:
            empty = parents.pop()
            spec = empty.spec
            if empty.children or not isinstance(spec, Container) or spec.presence:
                break
            del parents[-1].children[empty.head]
        return True

    # -- printing -----------------------------------------------------------------------

    def render(self, steps: Sequence[Step] = ()) -> str:
        """Braces-and-semicolons text of the whole config or of one statement's contents."""
        node = self.find(steps)
        if node is None:
            return ""
        return "".join([_block(child, 0) for child in node.ordered()])

    def display_set(self, steps: Sequence[Step] = ()) -> list[str]:
        """The config as `set …` lines, each statement on its own line."""
        node = self.find(steps)
        if node is None:
            return []
        prefix = "set " + "".join(s.head + " " for s in steps)
        return [prefix + line for child in node.ordered() for line in _set_lines(child)]

    def compare(self, new: JunosConfig, steps: Sequence[Step] = ()) -> str:
        """`show | compare`: what `new` changes relative to this config, Junos-style."""
        old_node = self.find(steps) or Node("", ROOT, (0, (), 0))
        new_node = new.find(steps) or Node("", ROOT, (0, (), 0))
        return "".join(line + "\n" for line in _diff(old_node, new_node,
                                                     [s.head for s in steps]))


def _from_set_lines(lines: list[str]) -> JunosConfig:
    return JunosConfig.from_set_lines(lines)


def _leaf_text(node: Node) -> str:
    spec = node.spec
    if isinstance(spec, Leaf):
        text = f"{node.head} {quote(node.values[0], always=spec.secret)};" if node.values \
            else f"{node.head};"
        return text + (" ## SECRET-DATA" if spec.secret else "")
    if isinstance(spec, LeafList):
        if len(node.values) == 1:
            return f"{node.head} {quote(node.values[0])};"
        return f"{node.head} [ {' '.join(quote(v) for v in node.values)} ];"
    return f"{node.head};"


def _render(node: Node, depth: int) -> Iterator[str]:
    pad = "    " * depth
    if body_of(node.spec) is None or not node.children:
        yield pad + _leaf_text(node)
        return
    yield f"{pad}{node.head} {{"
    for child in node.ordered():
        yield from _render(child, depth + 1)
    yield pad + "}"


def _block(node: Node, depth: int) -> str:
    """`_render`'s lines as one text, each ending in a newline, kept on a block's node.

    A statement shared by configs is never changed, and an edit clears the text of every
    statement on its path, so a kept text is always current; `show configuration` after a
    commit renders only what the commit changed.
    """
    kept = node.text
    if kept is not None and kept[0] == depth:
        return kept[1]
    pad = "    " * depth
    if not node.children or not isinstance(node.spec, _BLOCKS):
        return pad + _leaf_text(node) + "\n"  # one line: cheaper to print than to keep
    inner = "".join([_block(child, depth + 1)
                     for child in sorted(node.children.values(), key=_RANK)])
    text = f"{pad}{node.head} {{\n{inner}{pad}}}\n"
    node.text = (depth, text)
    return text


_BLOCKS = (Container, Named)
"""The statements `body_of` leads into: printed as a block when they have children."""


def _set_lines(node: Node) -> Iterator[str]:
    spec = node.spec
    if isinstance(spec, Leaf) and node.values:
        yield f"{node.head} {quote(node.values[0], always=spec.secret)}"
    elif isinstance(spec, LeafList):
        for value in node.values:
            yield f"{node.head} {quote(value)}"
    elif not node.children:
        yield node.head
    else:
        for child in node.ordered():
            yield from (f"{node.head} {line}" for line in _set_lines(child))


def _signed(sign: str, lines: Iterator[str]) -> list[str]:
    return [sign + line[1:] for line in lines]


def _diff(old: Node, new: Node, path: list[str]) -> list[str]:
    local: list[str] = []
    nested: list[str] = []
    merged = {**old.children, **new.children}
    for key in sorted(merged, key=lambda k: merged[k].rank):
        before, after = old.children.get(key), new.children.get(key)
        if before is not None and after is not None:
            if before == after:
                continue
            if body_of(after.spec) is not None and before.children and after.children:
                nested += _diff(before, after, [*path, key])
            elif isinstance(after.spec, LeafList):
                gone = [v for v in before.values if v not in after.values]
                added = [v for v in after.values if v not in before.values]
                local += [f"-   {key} {quote(v)};" for v in gone]
                local += [f"+   {key} {quote(v)};" for v in added]
            else:
                local += _signed("-", _render(before, 1)) + _signed("+", _render(after, 1))
        elif before is not None:
            local += _signed("-", _render(before, 1))
        elif after is not None:
            local += _signed("+", _render(after, 1))
    header = ["[edit" + "".join(" " + p for p in path) + "]"] if local else []
    return header + local + nested
