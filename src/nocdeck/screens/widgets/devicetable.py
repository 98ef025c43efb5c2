"""The push view's device rows, drawn with the Line API: one row repaints, not the table.

With 200 devices streaming, a status change or the elapsed clock touches a few rows per
frame. The built-in DataTable re-measures its columns and re-renders every visible cell on
each `update_cell`, which is what made keys wait 180-260 ms at the tail. Here a changed
row marks its own line dirty; a row's strip is cached until its text or the cursor on it
changes, and moving the cursor repaints the two lines involved.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

DIALOGUE_KEPT = 5_000
"""Lines of dialogue kept per device (older ones are in the store's record)."""
STATUS_WIDTH, ELAPSED_WIDTH = 12, 7
STATUS_CLASS = {"completed": "completed", "no_change": "completed", "running": "running",
                "failed": "failed", "rolled_back": "failed", "cancelled": "failed"}


@dataclass
class DeviceRow:
    """One device of the run as the view shows it; `dialogue` is its recent backlog."""

    name: str
    status: str = "pending"
    step: str = ""
    started: float | None = None
    ended: float | None = None
    dialogue: deque[str] = field(default_factory=lambda: deque(maxlen=DIALOGUE_KEPT))

    def elapsed(self, now: float) -> str:
        if self.started is None:
            return ""
        return f"{(self.ended or now) - self.started:5.1f}s"


class DeviceTable(ScrollView, can_focus=True):
    """Device, status, step, elapsed; a header line that stays; ↑/↓ move the cursor."""

    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "move(-1000000)", show=False),
        Binding("end", "move(1000000)", show=False),
    ]
    COMPONENT_CLASSES = {"devices--header", "devices--cursor", "devices--completed",
                         "devices--running", "devices--failed"}
    DEFAULT_CSS = """
    DeviceTable { background: $surface; }
    DeviceTable > .devices--header { text-style: bold; background: $panel; }
    DeviceTable > .devices--cursor { background: $accent 40%; }
    DeviceTable:focus > .devices--cursor { background: $accent; color: $text; }
    DeviceTable > .devices--completed { color: $success; }
    DeviceTable > .devices--running { color: $warning; }
    DeviceTable > .devices--failed { color: $error; }
    """

    class Highlighted(Message):
        """The cursor moved to the device `name`."""

        def __init__(self, table: DeviceTable, name: str) -> None:
            super().__init__()
            self.table = table
            self.name = name

        @property
        def control(self) -> DeviceTable:
            return self.table

    def __init__(self, rows: list[DeviceRow], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = rows
        self.index = {row.name: n for n, row in enumerate(rows)}
        self.cursor_row = 0
        self._strips: dict[int, tuple[tuple[object, ...], Strip]] = {}
        self.name_width = max([len("device"), *(len(r.name) for r in rows)]) + 1

    # ------------------------------------------------------------------ what changed

    def on_mount(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows) + 1)
        if self.rows:
            self.post_message(self.Highlighted(self, self.rows[0].name))

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows) + 1)
        self._strips.clear()

    def notify_style_update(self) -> None:
        self._strips.clear()
        super().notify_style_update()

    def on_focus(self) -> None:
        self._strips.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._strips.clear()
        self.refresh()

    def refresh_rows(self, names: set[str] | list[str]) -> None:
        """Repaint the lines of these devices, if they are on screen; nothing else."""
        top, height = int(self.scroll_offset.y), self.size.height
        for name in names:
            n = self.index.get(name)
            if n is not None and top <= n < top + height - 1:
                self.refresh(Region(0, n - top + 1, self.size.width, 1))

    def visible_rows(self) -> list[DeviceRow]:
        top = int(self.scroll_offset.y)
        return self.rows[top:top + max(self.size.height - 1, 0)]

    # ------------------------------------------------------------------ the cursor

    def action_move(self, step: int) -> None:
        self.move_to(self.cursor_row + step)

    def action_page(self, step: int) -> None:
        self.move_to(self.cursor_row + step * max(self.size.height - 2, 1))

    def move_to(self, row: int) -> None:
        if not self.rows:
            return
        row = max(0, min(row, len(self.rows) - 1))
        if row == self.cursor_row:
            return
        old, self.cursor_row = self.cursor_row, row
        top, height = int(self.scroll_offset.y), max(self.size.height - 1, 1)
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False)
        else:
            self.refresh_rows([self.rows[old].name, self.rows[row].name])
        self.post_message(self.Highlighted(self, self.rows[row].name))

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.move_to(int(self.scroll_offset.y) + event.y - 1)

    # ------------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return self._text_line(self._columns("device", "status", "step", "elapsed", width),
                                   self._style("devices--header"), width)
        n = int(self.scroll_offset.y) + y - 1
        if n >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        row = self.rows[n]
        now = time.monotonic()
        elapsed = row.elapsed(now) if row.ended is None else row.elapsed(row.ended)
        key = (row.status, row.step, elapsed, n == self.cursor_row, self.has_focus, width)
        cached = self._strips.get(n)
        if cached is not None and cached[0] == key:
            return cached[1]
        strip = self._row_line(row, elapsed, n == self.cursor_row, width)
        self._strips[n] = (key, strip)
        return strip

    def _style(self, name: str) -> Style:
        return self.rich_style + self.get_component_rich_style(name, partial=True)

    def _columns(self, name: str, status: str, step: str, elapsed: str, width: int) -> str:
        step_width = max(width - self.name_width - STATUS_WIDTH - ELAPSED_WIDTH - 3, 0)
        return (f" {name:<{self.name_width}}{status[:STATUS_WIDTH - 1]:<{STATUS_WIDTH}}"
                f"{step[:step_width]:<{step_width}} {elapsed:>{ELAPSED_WIDTH}}")

    def _text_line(self, text: str, style: Style, width: int) -> Strip:
        return Strip([Segment(text, style)]).adjust_cell_length(width, style)

    def _row_line(self, row: DeviceRow, elapsed: str, cursor: bool, width: int) -> Strip:
        base = self._style("devices--cursor") if cursor else self.rich_style
        kind = STATUS_CLASS.get(row.status)
        status_style = base + self.get_component_rich_style(f"devices--{kind}",
                                                            partial=True) if kind else base
        text = self._columns(row.name, row.status, row.step, elapsed, width)
        cut = 1 + self.name_width
        segments = [Segment(text[:cut], base), Segment(text[cut:cut + STATUS_WIDTH], status_style),
                    Segment(text[cut + STATUS_WIDTH:], base)]
        return Strip(segments).adjust_cell_length(width, base)
