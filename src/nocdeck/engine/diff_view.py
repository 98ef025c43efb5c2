"""The side-by-side view of a `ConfigDiff`: rows built on access, unchanged stretches folded.

A TUI asks only for the rows on screen, so a 100,000-line diff never becomes 100,000 row
objects: rows are computed from the opcodes by bisecting the segments' first rows.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, overload

if TYPE_CHECKING:
    from nocdeck.engine.diff import ConfigDiff, Span


@dataclass(frozen=True)
class Row:
    """One row of the side-by-side view; line numbers are 1-based, None where a side is empty."""

    tag: Literal["equal", "replace", "delete", "insert", "fold"]
    left_no: int | None
    left: str | None
    right_no: int | None
    right: str | None
    folded: int = 0
    """On a `fold` row: how many unchanged lines it hides."""


class SideBySide(Sequence[Row]):
    """The side-by-side rows of a diff, built per row on access (100,000 lines scroll fine)."""

    def __init__(self, diff: ConfigDiff, context: int, fold: bool) -> None:
        self.diff = diff
        # Each segment: (first row, kind, i1, j1, rows, a_len, b_len)
        self._segments: list[tuple[int, str, int, int, int, int, int]] = []
        self._starts: list[int] = []
        row = 0
        last = len(diff.opcodes) - 1
        for n, op in enumerate(diff.opcodes):
            if op.tag != "equal":
                rows = max(op.i2 - op.i1, op.j2 - op.j1)
                row = self._add(row, "change", op.i1, op.j1, rows, op.i2 - op.i1, op.j2 - op.j1)
                continue
            length = op.i2 - op.i1
            head = 0 if n == 0 else context
            tail = 0 if n == last else context
            if not fold or length <= head + tail + 1:
                row = self._add(row, "equal", op.i1, op.j1, length, length, length)
                continue
            if head:
                row = self._add(row, "equal", op.i1, op.j1, head, head, head)
            hidden = length - head - tail
            row = self._add(row, "fold", op.i1 + head, op.j1 + head, 1, hidden, hidden)
            if tail:
                row = self._add(row, "equal", op.i2 - tail, op.j2 - tail, tail, tail, tail)
        self._rows = row

    def _add(self, row: int, kind: str, i1: int, j1: int, rows: int, a_len: int,
             b_len: int) -> int:
        self._starts.append(row)
        self._segments.append((row, kind, i1, j1, rows, a_len, b_len))
        return row + rows

    def __len__(self) -> int:
        return self._rows

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += self._rows
        if not 0 <= index < self._rows:
            raise IndexError(index)
        seg = self._segments[bisect_right(self._starts, index) - 1]
        start, kind, i1, j1, _rows, a_len, b_len = seg
        k = index - start
        a, b = self.diff.a, self.diff.b
        if kind == "fold":
            return Row("fold", None, None, None, None, folded=a_len)
        if kind == "equal":
            return Row("equal", i1 + k + 1, a[i1 + k], j1 + k + 1, b[j1 + k])
        has_a, has_b = k < a_len, k < b_len
        tag: Literal["replace", "delete", "insert"] = (
            "replace" if has_a and has_b else "delete" if has_a else "insert")
        return Row(tag,
                   i1 + k + 1 if has_a else None, a[i1 + k] if has_a else None,
                   j1 + k + 1 if has_b else None, b[j1 + k] if has_b else None)

    def intraline(self, row: Row) -> tuple[list[Span], list[Span]]:
        """Changed spans of a `replace` row's two sides (empty lists for any other row)."""
        if row.tag != "replace" or row.left_no is None or row.right_no is None:
            return [], []
        return self.diff.intraline(row.left_no - 1, row.right_no - 1)

    def first_change(self, after: int = -1) -> int | None:
        """Index of the first changed row after row `after` (for a "next change" key)."""
        k = bisect_right(self._starts, after)
        for seg in self._segments[max(k - 1, 0):]:
            start, kind = seg[0], seg[1]
            if kind == "change" and start + seg[4] - 1 > after:
                return max(start, after + 1)
        return None
