"""Applying commands to an IOS/EOS config tree the way the device would, and back again.

`CliEditor.apply` changes the tree for one command and says whether anything changed, which
is what makes a push idempotent (a description already there sends nothing).
`commands_between` gives the commands that turn one tree into another: rollback runs it
from the config after a change back to the config before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nocdeck.engine.config.cli import canonical, is_separator, key, words
from nocdeck.engine.config.platforms import CliDialect
from nocdeck.engine.config.tree import Command, ConfigNode, insertion_index


@dataclass
class CliEditor:
    """Edits one tree; keeps a key index per section so big configs stay fast."""

    dialect: CliDialect
    root: ConfigNode
    _index: dict[int, tuple[ConfigNode, dict[str, list[ConfigNode]]]] = field(
        default_factory=dict)
    """Per section (by identity; the node is held so its id is never reused): key -> lines."""
    _gone: dict[tuple[int, str], int] = field(default_factory=dict)
    """(section id, key) -> where a line stood before it was removed: a line set again
    (`no description` then `description X`) goes back there, as the device shows it."""

    # ------------------------------------------------------------------ lookups

    def _keyed(self, parent: ConfigNode) -> dict[str, list[ConfigNode]]:
        entry = self._index.get(id(parent))
        if entry is None:
            entry = (parent, _by_key(self.dialect, parent))
            self._index[id(parent)] = entry
        return entry[1]

    def _key(self, line: str) -> str:
        k = key(self.dialect, line)
        if k is None:
            raise ValueError(line)
        return k

    def section(self, parent: ConfigNode, header: str) -> tuple[ConfigNode, bool]:
        """The section under `parent` opened by `header`, created if missing."""
        found = self._keyed(parent).get(self._key(header))
        if found:
            return found[0], False
        node = ConfigNode(canonical(self.dialect, header))
        self._insert(parent, node, section=True)
        return node, True

    # ------------------------------------------------------------------ apply

    def apply(self, command: Command) -> bool:
        """Apply one command; True when the config changed."""
        parent, changed = self.root, False
        for header in command.path:
            parent, created = self.section(parent, header)
            changed = changed or created
        if command.enters:
            return self.section(parent, command.line)[1] or changed
        line = command.line
        if command.closing is None and line.startswith("no ") and len(line) > 3:
            return self._negate(parent, line[3:].strip()) or changed
        return self._set(parent, command) or changed

    def _set(self, parent: ConfigNode, command: Command) -> bool:
        same = self._keyed(parent).get(self._key(command.line), [])
        wanted = ConfigNode(command.line, body=command.body, closing=command.closing)
        if any(node.same_content(wanted) for node in same):
            for node in [n for n in same if not n.same_content(wanted)]:
                self._remove(parent, node)
            return False
        if same:
            first = same[0]
            first.line, first.body, first.closing = wanted.line, wanted.body, wanted.closing
            for node in same[1:]:
                self._remove(parent, node)
            return True
        self._insert(parent, wanted, section=False)
        return True

    def _negate(self, parent: ConfigNode, positive: str) -> bool:
        k = self._key(positive)
        plain = canonical(self.dialect, positive)
        keyed = self._keyed(parent).get(k, [])
        negations = [n for n in keyed if n.line.startswith("no ")]
        matches = [n for n in keyed if not n.line.startswith("no ")]
        matches += [n for n in parent.children
                    if n not in matches and not n.line.startswith("no ")
                    and canonical(self.dialect, n.line).startswith(plain + " ")]
        shown = plain in self.dialect.negations_shown or k in self.dialect.negations_shown
        if not (shown or negations):
            for node in matches:
                self._remove(parent, node)
            return bool(matches)
        if negations and not matches:
            return False
        for node in matches[1:]:
            self._remove(parent, node)
        if negations:
            if matches:
                self._remove(parent, matches[0])
            return True
        if matches:
            matches[0].line, matches[0].children = f"no {positive}", []
            return True
        self._insert(parent, ConfigNode(f"no {positive}"), section=False)
        return True

    # ------------------------------------------------------------------ tree surgery

    def _insert(self, parent: ConfigNode, node: ConfigNode, *, section: bool) -> None:
        kids = parent.children
        k = key(self.dialect, node.line)
        was = self._gone.pop((id(parent), k), None) if k is not None and not section else None
        if was is not None:
            kids.insert(min(was, len(kids)), node)
            self._keyed(parent).setdefault(k, []).append(node)  # type: ignore[arg-type]
            return
        at_root = parent is self.root
        mine = words(self.dialect, node) or [node.line]
        first = mine[0]

        def words_of(sibling: ConfigNode) -> list[str] | None:
            line = sibling.line
            if not line.startswith(first) and not line.startswith("no "):
                return None  # another first word shares nothing: no need to canonicalise it
            return words(self.dialect, sibling)

        pos = insertion_index(kids, mine, words_of, self.dialect.sorted_lists)
        separator = ConfigNode(self.dialect.separator)
        if pos is None:
            pos = len(kids)
            while pos and (is_separator(kids[pos - 1]) or kids[pos - 1].line == "end"):
                pos -= 1
            new = [node]
            if at_root and kids:
                new = [separator, node]
                if pos == len(kids) or not is_separator(kids[pos]):
                    new.append(ConfigNode(self.dialect.separator))
            kids[pos:pos] = new
        else:
            if (section and pos < len(kids) and is_separator(kids[pos])
                    and pos and not is_separator(kids[pos - 1])):
                pos += 1
            if section and pos and is_separator(kids[pos - 1]):
                kids[pos:pos] = [node, separator]
            else:
                kids.insert(pos, node)
        if k is not None:
            self._keyed(parent).setdefault(k, []).append(node)

    def _remove(self, parent: ConfigNode, node: ConfigNode) -> None:
        kids = parent.children
        pos = next(i for i, n in enumerate(kids) if n is node)
        del kids[pos]
        if (pos < len(kids) and is_separator(kids[pos]) and kids[pos].line
                and (pos == 0 or is_separator(kids[pos - 1]))):
            del kids[pos]
        k = key(self.dialect, node.line)
        if k is not None:
            self._gone[(id(parent), k)] = pos
            bucket = self._keyed(parent).get(k, [])
            if node in bucket:
                bucket.remove(node)


# ---------------------------------------------------------------------------- push lines


def push_lines(dialect: CliDialect, applied: list[Command]) -> list[str]:
    """The commands that changed something, as lines to send, each after its section header.

    Children are indented in the platform's style; `exit` leaves a section before a line
    that belongs elsewhere, so the lines work pasted into any IOS or EOS CLI.
    """
    out: list[str] = []
    current: tuple[str, ...] = ()
    unit = " " * dialect.indent
    for command in applied:
        target = tuple(canonical(dialect, h) for h in command.path)
        common = 0
        while (common < min(len(current), len(target))
               and key(dialect, current[common]) == key(dialect, target[common])):
            common += 1
        for depth in range(len(current), common, -1):
            out.append(unit * (depth - 1) + "exit")
        for depth in range(common, len(target)):
            out.append(unit * depth + target[depth])
        line = canonical(dialect, command.line) if command.enters else command.line
        out.append(unit * len(target) + line)
        if command.closing is not None:
            out.extend(command.body)
            out.append(command.closing)
        current = (*target, line) if command.enters else target
    return out


# ---------------------------------------------------------------------------- tree to tree


def commands_between(dialect: CliDialect, start: ConfigNode, goal: ConfigNode,
                     path: tuple[str, ...] = ()) -> list[Command]:
    """Commands that turn the `start` tree into the `goal` tree (removals first)."""
    out: list[Command] = []
    start_keys = _by_key(dialect, start)
    goal_keys = _by_key(dialect, goal)
    for k, nodes in start_keys.items():
        if k not in goal_keys:
            out.extend(_removal(node, path) for node in nodes)
    for k, nodes in goal_keys.items():
        olds = start_keys.get(k)
        if not olds:
            for node in nodes:
                out.extend(_addition(dialect, node, path))
            continue
        for node in nodes:
            old = next((o for o in olds if o.same_content(node)), olds[0])
            if node.children or old.children:
                # One key, one section: compare what is inside it.
                out.extend(commands_between(dialect, old, node, (*path, old.line)))
            elif not node.same_content(old):
                out.append(Command(path, node.line, node.body, node.closing))
    return out


def _by_key(dialect: CliDialect, parent: ConfigNode) -> dict[str, list[ConfigNode]]:
    index: dict[str, list[ConfigNode]] = {}
    for node in parent.children:
        k = key(dialect, node.line)
        if k is not None:
            index.setdefault(k, []).append(node)
    return index


def _removal(node: ConfigNode, path: tuple[str, ...]) -> Command:
    if node.line.startswith("no "):
        return Command(path, node.line[3:])
    if node.closing is not None:
        return Command(path, "no " + " ".join(node.line.split()[:2]))
    return Command(path, "no " + node.line)


def _addition(dialect: CliDialect, node: ConfigNode, path: tuple[str, ...]) -> list[Command]:
    if not node.children:
        return [Command(path, node.line, node.body, node.closing)]
    out = [Command(path, node.line, enters=True)]
    for child in node.children:
        if key(dialect, child.line) is not None:
            out.extend(_addition(dialect, child, (*path, node.line)))
    return out
