"""A line diff of two configs that stays fast on 100,000 lines.

`difflib.SequenceMatcher` on a whole running config takes minutes, so the diff works the way
patience diff does: strip the common head and tail, turn lines into ints, anchor on lines
that occur exactly once on both sides (the longest increasing run of them, found with
patience sorting), and recurse into the gaps between anchors. Only small gaps go to
`difflib`. Unchanged interface sections are full of repeated lines (` no shutdown`, `!`),
but their headers and descriptions are unique, so anchors are plentiful in real configs.

The result, `ConfigDiff`, is what every view needs: opcodes with line numbers on both sides,
+/- counts, a unified diff in `diff -u` format, a side-by-side row model with folded
unchanged stretches (`side_by_side`, in `diff_view.py`: random access, so a TUI renders only
what is on screen) and intra-line change spans computed on demand for one row at a time.

Secrets: the diff is computed on the raw lines, so a changed secret still shows as changed;
`ConfigDiff.masked()` returns the same diff whose lines are masked by `nocdeck.redaction`
lazily, line by line, as they are read. Show or store only the masked diff.
"""

from __future__ import annotations

import difflib
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, overload

from nocdeck.engine.diff_view import Row, SideBySide
from nocdeck.redaction import Redactor, mask_config_line

Tag = Literal["equal", "replace", "delete", "insert"]

_SMALL_GAP = 4_096
"""Gaps whose area (lines a x lines b) is at most this go straight to difflib."""
_DIFFLIB_LIMIT = 1_000_000
"""Above this area, a gap without any anchor is reported as one replaced block."""
_MAX_DEPTH = 64
_LOW_COUNT = 8


class Opcode(NamedTuple):
    """`a[i1:i2]` becomes `b[j1:j2]` (0-based, end-exclusive, as in difflib)."""

    tag: Tag
    i1: int
    i2: int
    j1: int
    j2: int


Span = tuple[int, int]
"""A changed character range `[start, end)` within one line."""

__all__ = ["ConfigDiff", "Hunk", "Opcode", "Row", "SideBySide", "Span", "diff_lines",
           "diff_text"]


# ---------------------------------------------------------------------------- matching


def _lis(seq: list[int]) -> list[int]:
    """Indexes into `seq` of one longest strictly increasing subsequence (patience sorting)."""
    tails: list[int] = []
    tail_idx: list[int] = []
    prev = [-1] * len(seq)
    for i, value in enumerate(seq):
        k = bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_idx.append(i)
        else:
            tails[k] = value
            tail_idx[k] = i
        prev[i] = tail_idx[k - 1] if k else -1
    out: list[int] = []
    i = tail_idx[-1] if tail_idx else -1
    while i >= 0:
        out.append(i)
        i = prev[i]
    out.reverse()
    return out


def _anchors(a: list[int], b: list[int], alo: int, ahi: int, blo: int, bhi: int
             ) -> list[tuple[int, int]]:
    """Pairs (i, j) with a[i] == b[j], increasing on both sides, to split the range on."""
    count_a = Counter(a[alo:ahi])
    count_b = Counter(b[blo:bhi])
    unique = {v for v, n in count_a.items() if n == 1 and count_b.get(v) == 1}
    pairs: list[tuple[int, int]]
    if unique:
        b_pos = {b[j]: j for j in range(blo, bhi) if b[j] in unique}
        pairs = [(i, b_pos[a[i]]) for i in range(alo, ahi) if a[i] in unique]
    else:
        # Histogram fallback: lines that occur equally often (and rarely) on both sides are
        # paired by occurrence order; the increasing run below keeps a consistent subset.
        low = {v for v, n in count_a.items() if n <= _LOW_COUNT and count_b.get(v) == n}
        if not low:
            return []
        b_occ: dict[int, list[int]] = {}
        for j in range(blo, bhi):
            if b[j] in low:
                b_occ.setdefault(b[j], []).append(j)
        seen: Counter[int] = Counter()
        pairs = []
        for i in range(alo, ahi):
            v = a[i]
            if v in low:
                pairs.append((i, b_occ[v][seen[v]]))
                seen[v] += 1
    keep = _lis([j for _, j in pairs])
    return [pairs[k] for k in keep]


def _match(a: list[int], b: list[int], alo: int, ahi: int, blo: int, bhi: int,
           out: list[tuple[int, int, int]], depth: int) -> None:
    """Append matching blocks (i, j, n) of a[alo:ahi] and b[blo:bhi], in order, to `out`."""
    start_a, start_b = alo, blo
    while alo < ahi and blo < bhi and a[alo] == b[blo]:
        alo += 1
        blo += 1
    if alo > start_a:
        out.append((start_a, start_b, alo - start_a))
    end_a = ahi
    while ahi > alo and bhi > blo and a[ahi - 1] == b[bhi - 1]:
        ahi -= 1
        bhi -= 1
    tail = (ahi, bhi, end_a - ahi) if ahi < end_a else None
    if alo < ahi and blo < bhi:
        _match_middle(a, b, alo, ahi, blo, bhi, out, depth)
    if tail is not None:
        out.append(tail)


def _match_middle(a: list[int], b: list[int], alo: int, ahi: int, blo: int, bhi: int,
                  out: list[tuple[int, int, int]], depth: int) -> None:
    area = (ahi - alo) * (bhi - blo)
    if area <= _SMALL_GAP or depth > _MAX_DEPTH:
        _difflib_blocks(a, b, alo, ahi, blo, bhi, out, area)
        return
    anchors = _anchors(a, b, alo, ahi, blo, bhi)
    if not anchors:
        _difflib_blocks(a, b, alo, ahi, blo, bhi, out, area)
        return
    prev_a, prev_b = alo, blo
    for i, j in anchors:
        if i > prev_a and j > prev_b:
            if i - prev_a == j - prev_b and a[prev_a:i] == b[prev_b:j]:
                out.append((prev_a, prev_b, i - prev_a))  # the usual gap: unchanged lines
            else:
                _match(a, b, prev_a, i, prev_b, j, out, depth + 1)
        out.append((i, j, 1))
        prev_a, prev_b = i + 1, j + 1
    if prev_a < ahi and prev_b < bhi:
        _match(a, b, prev_a, ahi, prev_b, bhi, out, depth + 1)


def _difflib_blocks(a: list[int], b: list[int], alo: int, ahi: int, blo: int, bhi: int,
                    out: list[tuple[int, int, int]], area: int) -> None:
    if area > _DIFFLIB_LIMIT:
        return
    matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
    for i, j, n in matcher.get_matching_blocks():
        if n:
            out.append((alo + i, blo + j, n))


def _opcodes(blocks: list[tuple[int, int, int]], len_a: int, len_b: int) -> list[Opcode]:
    merged: list[list[int]] = []
    for i, j, n in blocks:
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            merged[-1][2] += n
        else:
            merged.append([i, j, n])
    merged.append([len_a, len_b, 0])
    ops: list[Opcode] = []
    i = j = 0
    for ai, bj, n in merged:
        if i < ai and j < bj:
            ops.append(Opcode("replace", i, ai, j, bj))
        elif i < ai:
            ops.append(Opcode("delete", i, ai, j, bj))
        elif j < bj:
            ops.append(Opcode("insert", i, ai, j, bj))
        if n:
            ops.append(Opcode("equal", ai, ai + n, bj, bj + n))
        i, j = ai + n, bj + n
    return ops


def diff_lines(a: Sequence[str], b: Sequence[str]) -> ConfigDiff:
    """Diff two configs given as lines (without line endings)."""
    # The common head and tail are found on the strings themselves: only the lines between
    # them (a plan's few changed sections, usually) are numbered and matched.
    shorter = min(len(a), len(b))
    head = 0
    while head < shorter and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < shorter - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    a_hi, b_hi = len(a) - tail, len(b) - tail
    ids: dict[str, int] = {}
    a_ids = [-1] * len(a)
    b_ids = [-1] * len(b)
    a_ids[head:a_hi] = [ids.setdefault(line, len(ids)) for line in a[head:a_hi]]
    b_ids[head:b_hi] = [ids.setdefault(line, len(ids)) for line in b[head:b_hi]]
    blocks: list[tuple[int, int, int]] = [(0, 0, head)] if head else []
    _match(a_ids, b_ids, head, a_hi, head, b_hi, blocks, 0)
    if tail:
        blocks.append((a_hi, b_hi, tail))
    return ConfigDiff(a, b, _opcodes(blocks, len(a), len(b)))


def diff_text(a: str, b: str) -> ConfigDiff:
    """Diff two config texts line by line."""
    return diff_lines(a.splitlines(), b.splitlines())


# ---------------------------------------------------------------------------- the result


class _MaskedLines(Sequence[str]):
    """A read-only view of lines masked on first access (the TUI reads only what it shows)."""

    def __init__(self, lines: Sequence[str], redactor: Redactor | None) -> None:
        self._lines = lines
        self._redactor = redactor
        self._cache: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._lines)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        line = self._cache.get(index)
        if line is None:
            raw = self._lines[index]
            line = (self._redactor.mask_line(raw) if self._redactor is not None
                    else mask_config_line(raw)[0])
            self._cache[index] = line
        return line


@dataclass(frozen=True)
class Hunk:
    """One `@@` block of a unified diff: line numbers are 1-based, as `diff -u` prints them."""

    a_start: int
    a_count: int
    b_start: int
    b_count: int
    lines: tuple[tuple[str, str], ...]
    """(`" "` | `"-"` | `"+"`, text) in display order."""


@dataclass
class ConfigDiff:
    """Running (`a`) against intended (`b`): opcodes, counts and the views built on them."""

    a: Sequence[str]
    b: Sequence[str]
    opcodes: list[Opcode]
    _spans: dict[tuple[int, int], tuple[list[Span], list[Span]]] = field(
        default_factory=dict, repr=False)

    @property
    def added(self) -> int:
        """Lines only in the intended config (`+` lines)."""
        return sum(op.j2 - op.j1 for op in self.opcodes if op.tag != "equal")

    @property
    def removed(self) -> int:
        """Lines only in the running config (`-` lines)."""
        return sum(op.i2 - op.i1 for op in self.opcodes if op.tag != "equal")

    @property
    def changed(self) -> bool:
        return any(op.tag != "equal" for op in self.opcodes)

    def changes(self) -> list[Opcode]:
        """The opcodes that are not `equal`."""
        return [op for op in self.opcodes if op.tag != "equal"]

    def masked(self, redactor: Redactor | None = None) -> ConfigDiff:
        """The same diff over masked lines: a changed secret still shows as changed."""
        return ConfigDiff(_MaskedLines(self.a, redactor), _MaskedLines(self.b, redactor),
                          self.opcodes)

    def apply(self) -> list[str]:
        """Rebuild `b` from `a` and the opcodes (what the property tests check)."""
        out: list[str] = []
        for op in self.opcodes:
            out.extend(self.a[op.i1:op.i2] if op.tag == "equal" else self.b[op.j1:op.j2])
        return out

    # ------------------------------------------------------------------ unified

    def grouped(self, context: int = 3) -> Iterator[list[Opcode]]:
        """Opcodes grouped into hunks with `context` lines around each change."""
        codes = list(self.opcodes)
        if not any(op.tag != "equal" for op in codes):
            return
        if codes[0].tag == "equal":
            t, i1, i2, j1, j2 = codes[0]
            codes[0] = Opcode(t, max(i1, i2 - context), i2, max(j1, j2 - context), j2)
        if codes[-1].tag == "equal":
            t, i1, i2, j1, j2 = codes[-1]
            codes[-1] = Opcode(t, i1, min(i2, i1 + context), j1, min(j2, j1 + context))
        group: list[Opcode] = []
        for op in codes:
            t, i1, i2, j1, j2 = op
            if t == "equal" and i2 - i1 > 2 * context:
                group.append(Opcode(t, i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
                yield group
                group = []
                i1, j1 = max(i1, i2 - context), max(j1, j2 - context)
            group.append(Opcode(t, i1, i2, j1, j2))
        if group and not (len(group) == 1 and group[0].tag == "equal"):
            yield group

    def hunks(self, context: int = 3) -> list[Hunk]:
        out: list[Hunk] = []
        for group in self.grouped(context):
            first, last = group[0], group[-1]
            lines: list[tuple[str, str]] = []
            for op in group:
                if op.tag == "equal":
                    lines.extend((" ", line) for line in self.a[op.i1:op.i2])
                    continue
                lines.extend(("-", line) for line in self.a[op.i1:op.i2])
                lines.extend(("+", line) for line in self.b[op.j1:op.j2])
            out.append(Hunk(first.i1 + 1, last.i2 - first.i1, first.j1 + 1,
                            last.j2 - first.j1, tuple(lines)))
        return out

    def unified(self, context: int = 3, fromfile: str = "running",
                tofile: str = "intended") -> str:
        """The diff in `diff -u` format (without timestamps); empty when nothing changes."""
        hunks = self.hunks(context)
        if not hunks:
            return ""
        parts = [f"--- {fromfile}\n", f"+++ {tofile}\n"]
        for hunk in hunks:
            parts.append(f"@@ -{_range(hunk.a_start, hunk.a_count)} "
                         f"+{_range(hunk.b_start, hunk.b_count)} @@\n")
            parts.extend(f"{sign}{text}\n" for sign, text in hunk.lines)
        return "".join(parts)

    # ------------------------------------------------------------------ side by side

    def side_by_side(self, context: int = 3, fold: bool = True) -> SideBySide:
        """Rows for a two-pane view; unchanged stretches longer than 2 x context are folded."""
        return SideBySide(self, context, fold)

    def intraline(self, i: int, j: int) -> tuple[list[Span], list[Span]]:
        """Changed character spans of `a[i]` and `b[j]` (0-based), computed once, on demand."""
        key = (i, j)
        spans = self._spans.get(key)
        if spans is None:
            spans = _char_spans(self.a[i], self.b[j])
            self._spans[key] = spans
        return spans


def _range(start: int, count: int) -> str:
    # As diff -u prints it: an empty range names the line before it.
    if count == 1:
        return f"{start}"
    if count == 0:
        return f"{start - 1},0"
    return f"{start},{count}"


def _char_spans(left: str, right: str) -> tuple[list[Span], list[Span]]:
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    spans_a: list[Span] = []
    spans_b: list[Span] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            spans_a.append((i1, i2))
        if j2 > j1:
            spans_b.append((j1, j2))
    return spans_a, spans_b
