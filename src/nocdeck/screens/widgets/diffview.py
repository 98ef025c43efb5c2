"""The side-by-side (or unified) view of the engine's ConfigDiff, built on the Line API.

Only the rows on screen are asked for (`SideBySide` builds a row on access), so a
100,000-line config scrolls as fast as a 20-line one. Both panes are drawn in the same
line, so they always scroll together; intra-line spans come from the engine on demand.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

if TYPE_CHECKING:
    from nocdeck.engine.diff import ConfigDiff
    from nocdeck.engine.diff_view import Row, SideBySide

Span = tuple[int, int]


@dataclass(frozen=True)
class UnifiedRow:
    sign: str
    """`" "`, `"-"`, `"+"` or `"@"` (a hunk header)."""
    number: int | None
    text: str


class UnifiedRows:
    """The unified view's rows: the engine's hunks flattened once (changes + context only)."""

    def __init__(self, diff: ConfigDiff, context: int = 3) -> None:
        self.rows: list[UnifiedRow] = []
        for hunk in diff.hunks(context):
            self.rows.append(UnifiedRow("@", None, f"@@ -{hunk.a_start},{hunk.a_count} "
                                                   f"+{hunk.b_start},{hunk.b_count} @@"))
            a, b = hunk.a_start, hunk.b_start
            for sign, text in hunk.lines:
                self.rows.append(UnifiedRow(sign, b if sign != "-" else a, text))
                if sign != "+":
                    a += 1
                if sign != "-":
                    b += 1

    def __len__(self) -> int:
        return len(self.rows)


class DiffView(ScrollView, can_focus=True):
    """Running (left) against intended (right); `u` switches to the unified view."""

    BINDINGS = [
        Binding("u", "toggle_unified", "Unified/side", id="diff.unified"),
        Binding("n", "next_change", "Next change", id="diff.next"),
        Binding("up", "scroll_up", "Up", show=False),
        Binding("down", "scroll_down", "Down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("home", "scroll_home", show=False),
        Binding("end", "scroll_end", show=False),
    ]
    DEFAULT_CSS = """
    DiffView { background: $surface; }
    """
    COMPONENT_CLASSES = {"diff--added", "diff--removed", "diff--emphasis-added",
                         "diff--emphasis-removed", "diff--fold", "diff--number", "diff--hunk"}
    DEFAULT_CSS += """
    DiffView > .diff--added { background: $success 15%; }
    DiffView > .diff--removed { background: $error 15%; }
    DiffView > .diff--emphasis-added { background: $success 45%; text-style: bold; }
    DiffView > .diff--emphasis-removed { background: $error 45%; text-style: bold; }
    DiffView > .diff--fold { color: $text-muted; background: $panel; }
    DiffView > .diff--number { color: $text-muted; }
    DiffView > .diff--hunk { color: $accent; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.diff: ConfigDiff | None = None
        self.rows: SideBySide | None = None
        self.unified_rows: UnifiedRows | None = None
        self.unified = False
        self.message = "no device selected"

    # ------------------------------------------------------------------ content

    def show(self, diff: ConfigDiff | None, message: str = "") -> None:
        """Show a (masked) diff, or just a message when there is none."""
        self.diff = diff
        self.rows = diff.side_by_side(fold=True) if diff is not None else None
        self.unified_rows = None
        self.message = message
        self._resize()
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def _resize(self) -> None:
        if self.unified and self.diff is not None and self.unified_rows is None:
            self.unified_rows = UnifiedRows(self.diff)
        count = self.row_count
        self.virtual_size = Size(self.size.width, max(count, 1))

    @property
    def row_count(self) -> int:
        if self.diff is None:
            return 1
        if self.unified:
            return len(self.unified_rows) if self.unified_rows is not None else 0
        return len(self.rows) if self.rows is not None else 0

    def action_toggle_unified(self) -> None:
        self.unified = not self.unified
        self._resize()
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def action_next_change(self) -> None:
        if self.diff is None:
            return
        top = int(self.scroll_offset.y)
        if self.unified and self.unified_rows is not None:
            headers = [i for i, r in enumerate(self.unified_rows.rows) if r.sign == "@"]
            k = bisect_right(headers, top)
            target = headers[k] if k < len(headers) else None
        else:
            assert self.rows is not None
            target = self.rows.first_change(top)
        if target is not None:
            self.scroll_to(y=target, animate=False)

    # No scroll animation: over a slow SSH link every frame of it costs a repaint.
    def action_page_down(self) -> None:
        self.scroll_to(y=self.scroll_offset.y + self.size.height, animate=False)

    def action_page_up(self) -> None:
        self.scroll_to(y=max(self.scroll_offset.y - self.size.height, 0), animate=False)

    def action_scroll_home(self) -> None:
        self.scroll_to(y=0, animate=False)

    def action_scroll_end(self) -> None:
        self.scroll_to(y=self.max_scroll_y, animate=False)

    def on_resize(self) -> None:
        self._resize()

    # ------------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.size.width
        base = self.rich_style
        if self.diff is None or self.row_count == 0:
            text = self.message or "no change on this device"
            return Strip([Segment(text if y == 0 else "", base)]).adjust_cell_length(width, base)
        if index >= self.row_count:
            return Strip.blank(width, base)
        if self.unified:
            assert self.unified_rows is not None
            strip = self._unified_line(self.unified_rows.rows[index], width)
        else:
            assert self.rows is not None
            strip = self._side_line(self.rows, self.rows[index], width)
        return strip.crop(0, width)

    def _style(self, name: str) -> Style:
        return self.rich_style + self.get_component_rich_style(name, partial=True)

    def _cell(self, number: int | None, text: str | None, spans: list[Span], width: int,
              kind: str) -> list[Segment]:
        digits = 6
        numbers = self._style("diff--number")
        body = self.rich_style if kind == "equal" else self._style(f"diff--{kind}")
        emphasis = self._style(f"diff--emphasis-{kind}") if kind != "equal" else body
        label = f"{number:>{digits - 1}} " if number is not None else " " * digits
        segments = [Segment(label, numbers)]
        room = max(width - digits, 0)
        shown = (text or "")[:room]
        cursor = 0
        for start, end in spans:
            if start >= len(shown):
                break
            segments.append(Segment(shown[cursor:start], body))
            segments.append(Segment(shown[start:min(end, len(shown))], emphasis))
            cursor = min(end, len(shown))
        segments.append(Segment(shown[cursor:], body))
        segments.append(Segment(" " * (room - len(shown)), body if text is not None
                                else self.rich_style))
        return segments

    def _side_line(self, rows: SideBySide, row: Row, width: int) -> Strip:
        half = max((width - 1) // 2, 10)
        if row.tag == "fold":
            text = f" ⋯ {row.folded:,} unchanged lines ⋯ "
            return Strip([Segment(text.center(width), self._style("diff--fold"))])
        left_spans, right_spans = rows.intraline(row)
        left_kind = "equal" if row.tag == "equal" else "removed"
        right_kind = "equal" if row.tag == "equal" else "added"
        segments = self._cell(row.left_no, row.left, left_spans, half, left_kind)
        segments.append(Segment("│", self._style("diff--number")))
        segments += self._cell(row.right_no, row.right, right_spans, width - half - 1,
                               right_kind)
        return Strip(segments)

    def _unified_line(self, row: UnifiedRow, width: int) -> Strip:
        if row.sign == "@":
            return Strip([Segment(row.text.ljust(width), self._style("diff--hunk"))])
        kind = {"+": "added", "-": "removed"}.get(row.sign, "equal")
        cell = self._cell(row.number, f"{row.sign}{row.text}", [], width, kind)
        return Strip(cell)
