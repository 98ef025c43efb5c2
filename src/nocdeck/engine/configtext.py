"""Running config + candidate lines -> intended config, the lines to push, and their inverse.

Pure functions, no I/O, for `cisco_ios`, `cisco_xe`, `arista_eos` (indent-based sections) and
`juniper_junos` (compared in `display set` form). They apply candidate lines the way the
device would, so that the preview shows what the device will really end up with, a change
already in place pushes nothing, and a rollback pushes exactly the inverse of what was
applied (never a re-merge of the backup, which cannot remove lines).

Typical use (plan, then run, then rollback):

    change = preview(platform, running_text, rendered_lines)
    change.diff.masked().unified()        # what the preview shows
    change.push                            # [] means "no change": push nothing
    undo = inverse(platform, running_text, change.push)
    undo.lines, undo.left_alone            # masked secrets are reported, never pushed
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from nocdeck.engine.config import cli, junos
from nocdeck.engine.config.cli_edit import CliEditor, commands_between, push_lines
from nocdeck.engine.config.platforms import CLI_DIALECTS, JUNOS_DIALECTS, PLATFORMS
from nocdeck.engine.config.tree import (
    Command,
    ConfigNode,
    ConfigTextError,
    LeftAlone,
    is_masked_secret,
)
from nocdeck.engine.diff import ConfigDiff, diff_lines, diff_text

__all__ = [
    "PLATFORMS",
    "ConfigChange",
    "ConfigNode",
    "ConfigTextError",
    "Inverse",
    "LeftAlone",
    "inverse",
    "lines_to_push",
    "merge",
    "normalise",
    "parse",
    "preview",
    "render",
    "same_config",
]

MASKED_SECRET_REASON = ("carries a secret that is masked in the saved config; restore it by "
                        "hand (nocdeck never pushes a masked secret)")


def _check(platform: str) -> None:
    if platform not in CLI_DIALECTS and platform not in JUNOS_DIALECTS:
        raise ConfigTextError(f"unknown platform {platform!r}: expected one of "
                              f"{', '.join(PLATFORMS)}")


def parse(platform: str, text: str) -> ConfigNode:
    """Config text as the device prints it -> a tree (Junos: its `display set` lines)."""
    _check(platform)
    if platform in JUNOS_DIALECTS:
        return junos.parse(text)
    return cli.parse(CLI_DIALECTS[platform], text)


def render(platform: str, tree: ConfigNode) -> str:
    """A tree -> text in the device's own style (Junos: `display set` lines)."""
    _check(platform)
    if platform in JUNOS_DIALECTS:
        return junos.render(tree)
    return cli.render(CLI_DIALECTS[platform], tree)


def normalise(platform: str, text: str) -> str:
    """The running config in the form `merge` returns, to diff one against the other."""
    return render(platform, parse(platform, text))


def same_config(platform: str, a_text: str, b_text: str) -> bool:
    """True when two configs hold the same lines in the same sections, in any order.

    Devices list some things in their own order (Junos by its schema), so "the running
    config equals the backup again" after a rollback is checked with this.
    """
    return _content(platform, a_text) == _content(platform, b_text)


def _content(platform: str, text: str) -> list[str]:
    return _tree_content(platform, parse(platform, text))


def _tree_content(platform: str, tree: ConfigNode) -> list[str]:
    if platform in JUNOS_DIALECTS:
        return sorted(node.line for node in tree.children)
    dialect = CLI_DIALECTS[platform]
    out: list[str] = []

    def walk(node: ConfigNode, path: tuple[str, ...]) -> None:
        for child in node.children:
            if cli.key(dialect, child.line) is not None:
                out.append("\n".join((*path, child.line, *child.body)))
                walk(child, (*path, child.line))

    walk(tree, ())
    return sorted(out)


@dataclass(frozen=True)
class _Applied:
    tree: ConfigNode
    pushed: list[str]
    text: str | None = None
    """The tree rendered after the candidate, when `_apply` had to render it."""


def _apply(platform: str, tree: ConfigNode, candidate: Sequence[str],
           before: str | None = None) -> _Applied:
    """Apply the candidate to `tree` (in place); `before` is its rendering, if known."""
    if isinstance(candidate, str):  # a rendered template given whole: its lines
        candidate = candidate.splitlines()
    if before is None:
        before = render(platform, tree)
    pushed: list[str]
    if platform in JUNOS_DIALECTS:
        editor = junos.JunosEditor(JUNOS_DIALECTS[platform], tree)
        pushed = [s for s in junos.commands(candidate) if editor.apply(s)]
    else:
        dialect = CLI_DIALECTS[platform]
        cli_editor = CliEditor(dialect, tree)
        changed = [c for c in cli.commands(dialect, candidate) if cli_editor.apply(c)]
        pushed = push_lines(dialect, changed)
    # Lines that cancel out (a description set twice, the second one the current one) end
    # where they started: that is "no change", and nothing is pushed.
    after = render(platform, tree) if pushed else None
    if after == before:
        pushed = []
    return _Applied(tree, pushed, after)


def merge(platform: str, running_text: str, candidate_lines: Sequence[str]) -> str:
    """The intended config: the running config with the candidate lines applied."""
    _check(platform)
    return render(platform, _apply(platform, parse(platform, running_text),
                                   candidate_lines).tree)


def lines_to_push(platform: str, running_text: str,
                  candidate_lines: Sequence[str]) -> list[str]:
    """The candidate lines that change something, each after its section header.

    An empty list means "no change": the device already has every line.
    """
    _check(platform)
    tree = parse(platform, running_text)
    before = _tree_content(platform, tree)
    applied = _apply(platform, tree, candidate_lines, render(platform, tree))
    return [] if _tree_content(platform, applied.tree) == before else applied.pushed


@dataclass(frozen=True)
class ConfigChange:
    """Everything the plan needs for one device, from one parse of its running config."""

    platform: str
    running: str
    """The running config, normalised (`normalise`)."""
    intended: str
    push: list[str]
    diff: ConfigDiff
    """Computed on the raw lines: show or store only `diff.masked()`."""

    @property
    def no_change(self) -> bool:
        return not self.push


def preview(platform: str, running_text: str,
            candidate_lines: Sequence[str]) -> ConfigChange:
    """Intended config, lines to push and the running-vs-intended diff, in one pass.

    The running config is parsed and rendered once; the intended config is rendered once
    and diffed against it. Whether the change is only a re-order (nothing to push) is
    decided from the diff's changed lines; the whole-tree comparison runs only when those
    could be a re-order.
    """
    _check(platform)
    tree = parse(platform, running_text)
    running = render(platform, tree)
    applied = _apply(platform, tree, candidate_lines, running)
    intended = applied.text if applied.text is not None else render(platform, applied.tree)
    if intended == running:
        return _no_change(platform, running)
    diff = diff_text(running, intended)
    if _may_be_reorder(platform, diff) and _tree_content(platform, applied.tree) == \
            _tree_content(platform, parse(platform, running_text)):
        # Lines that cancel out or only re-order (`no shutdown` then `shutdown`; a line
        # removed and added back) change nothing on the device: nothing to push.
        return _no_change(platform, running)
    return ConfigChange(platform, running, intended, applied.pushed, diff)


def _no_change(platform: str, running: str) -> ConfigChange:
    lines = running.splitlines()
    return ConfigChange(platform, running, running, [], diff_lines(lines, lines))


def _may_be_reorder(platform: str, diff: ConfigDiff) -> bool:
    """False when the changed lines prove the content differs (the usual case), so the
    whole-tree comparison is skipped.

    Every line `_tree_content` keeps shows in the rendered text; if the lines removed and
    the lines added (stripped, without separators) are not the same multiset, the trees
    cannot hold the same lines in the same sections.
    """
    removed: Counter[str] = Counter()
    added: Counter[str] = Counter()
    keep = _content_line if platform in CLI_DIALECTS else str.strip
    for op in diff.changes():
        removed.update(filter(None, map(keep, diff.a[op.i1:op.i2])))
        added.update(filter(None, map(keep, diff.b[op.j1:op.j2])))
    return removed == added


def _content_line(line: str) -> str:
    stripped = line.strip()
    return "" if cli.is_unkeyed(stripped) else stripped


@dataclass(frozen=True)
class Inverse:
    """What rollback pushes, and what it leaves alone (with why)."""

    lines: list[str]
    left_alone: list[LeftAlone] = field(default_factory=list)


def inverse(platform: str, running_before_text: str,
            applied_lines: Sequence[str]) -> Inverse:
    """Lines that undo exactly what `applied_lines` did to `running_before_text`.

    A line that would restore a masked secret (the saved config only has `****`) is never
    pushed: it comes back in `left_alone` with the reason.
    """
    _check(platform)
    if isinstance(applied_lines, str):
        applied_lines = applied_lines.splitlines()
    before = parse(platform, running_before_text)
    after = _apply(platform, parse(platform, running_before_text), applied_lines).tree
    left: list[LeftAlone] = []
    if platform in JUNOS_DIALECTS:
        dialect = JUNOS_DIALECTS[platform]
        statements = []
        for statement in junos.commands_between(dialect, after, before):
            if is_masked_secret(statement):
                left.append(LeftAlone(statement, MASKED_SECRET_REASON))
            else:
                statements.append(statement)
        editor = junos.JunosEditor(dialect, after)
        return Inverse([s for s in statements if editor.apply(s)], left)
    cli_dialect = CLI_DIALECTS[platform]
    safe: list[Command] = []
    for command in commands_between(cli_dialect, after, before):
        if is_masked_secret(command.line) or any(is_masked_secret(b) for b in command.body):
            left.append(LeftAlone(command.line, MASKED_SECRET_REASON))
        else:
            safe.append(command)
    editor_cli = CliEditor(cli_dialect, after)
    return Inverse(push_lines(cli_dialect, [c for c in safe if editor_cli.apply(c)]), left)
