"""Replay a recorded session: a terminal pane beside the commands typed, searchable.

The clock and the positions are `nocdeck.recordings.replay.Replay`'s; this screen only
feeds the frames it hands out to a `pyte` terminal emulator and draws that emulator's
screen line by line. Space pauses, 1/2/8 set the speed, left/right seek 5 s, n/p jump to
the next/previous command, `/` searches the commands, Enter on a command jumps to it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pyte
from rich.segment import Segment
from rich.style import Style
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Header, Input, Static

from nocdeck.errors import BadInput
from nocdeck.recordings.asciicast import RESIZE, check_event, header_for
from nocdeck.recordings.replay import Recording, Replay, Seek, load_stored
from nocdeck.store.sessions import SessionEvent

if TYPE_CHECKING:
    from nocdeck.recordings.asciicast import Frame
    from nocdeck.store.sessions import SessionsMixin

FPS = 20
SEEK_STEP = 5.0
_COLOURS = {"brown": "yellow", "default": None}


async def load_for_replay(store: SessionsMixin, session_id: str) -> Recording:
    """A stored session checked frame by frame: a damaged one names its first bad event."""
    summary = await store.get_session(session_id)
    if summary.status == "purged":
        raise BadInput(f"recording {session_id}: its transcript was purged (retention); "
                       "only the record that it existed is kept")
    recording = await load_stored(store, session_id)
    check_frames(recording, f"recording {session_id}")
    if not recording.frames:
        raise BadInput(f"recording {session_id}: the transcript is empty")
    recording.header = header_for(summary)
    return recording


def check_frames(recording: Recording, where: str) -> None:
    last = 0.0
    for seq, frame in enumerate(recording.frames):
        check_event(SessionEvent(seq, frame.t, frame.code, frame.data), last, where)
        last = frame.t


def clock(seconds: float) -> str:
    minutes, rest = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes):02d}:{rest:04.1f}"


def _colour(name: str) -> str | None:
    if name in _COLOURS:
        return _COLOURS[name]
    if name.startswith("bright"):
        return "bright_" + name[6:].replace("brown", "yellow")
    if len(name) == 6 and all(c in "0123456789abcdefABCDEF" for c in name):
        return "#" + name
    return name


class TerminalPane(Widget):
    """A pyte screen drawn with the Line API: only the visible rows are built."""

    DEFAULT_CSS = "TerminalPane { width: 1fr; height: 1fr; }"
    can_focus = True

    def __init__(self, cols: int, rows: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.term = pyte.Screen(cols, rows)
        self.stream = pyte.Stream(self.term)
        self._styles: dict[tuple[str, str, bool, bool, bool, bool], Style] = {}

    def feed(self, frames: list[Frame]) -> None:
        for frame in frames:
            if frame.code == "o":
                self.stream.feed(frame.data)
            elif frame.code == "r" and (match := RESIZE.match(frame.data)):
                self.term.resize(int(match.group(2)), int(match.group(1)))
        if frames:
            self.refresh()

    def redraw(self, seek: Seek) -> None:
        self.term.reset()
        cols, rows = seek.size
        self.term.resize(rows, cols)
        self.stream.feed(seek.output)
        self.refresh()

    def lines(self) -> list[str]:
        """The emulated screen as text (what a test or a user reads)."""
        return [line.rstrip() for line in self.term.display]

    def render_line(self, y: int) -> Strip:
        term = self.term
        if y >= term.lines:
            return Strip.blank(self.size.width)
        row = term.buffer[y]
        cursor = (term.cursor.x if y == term.cursor.y and not term.cursor.hidden
                  else -1)
        segments: list[Segment] = []
        for x in range(min(term.columns, self.size.width)):
            char = row[x]
            if not char.data:  # the second cell of a wide character
                continue
            key = (char.fg, char.bg, char.bold, char.underscore, char.reverse ^ (x == cursor),
                   char.italics)
            style = self._styles.get(key)
            if style is None:
                style = Style(color=_colour(char.fg), bgcolor=_colour(char.bg), bold=char.bold,
                              underline=char.underscore, reverse=key[4], italic=char.italics)
                self._styles[key] = style
            segments.append(Segment(char.data, style))
        return Strip(segments).simplify().adjust_cell_length(self.size.width)


class ReplayScreen(Screen[None]):
    CSS_PATH = "replay.tcss"
    BINDINGS = [
        Binding("space", "pause", "Pause/play", id="replay.pause"),
        Binding("1", "speed(1)", "1x", id="replay.speed1"),
        Binding("2", "speed(2)", "2x", id="replay.speed2"),
        Binding("8", "speed(8)", "8x", id="replay.speed8"),
        Binding("left", "seek(-1)", "-5 s", id="replay.back"),
        Binding("right", "seek(1)", "+5 s", id="replay.forward"),
        Binding("n", "next_command", "Next command", id="replay.next"),
        Binding("p", "previous_command", "Previous", id="replay.previous"),
        Binding("slash", "search", "Search", id="replay.search"),
        Binding("escape", "close", "Back", id="replay.close"),
    ]

    def __init__(self, recording: Recording, *, paused: bool = False) -> None:
        super().__init__()
        self.replay = Replay(recording)
        self.replay.paused = paused
        self.shown: list[int] = list(range(len(recording.commands)))
        self._last = 0.0

    def compose(self) -> ComposeResult:
        header = self.replay.recording.header
        yield Header()
        with Horizontal():
            yield TerminalPane(header.width, header.height, id="replay-terminal")
            with Vertical(id="replay-side"):
                yield Input(placeholder="/ search commands", id="replay-search")
                yield DataTable(id="replay-commands", cursor_type="row")
        yield Static("", id="replay-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.replay.recording.header.title or "replay"
        table = self.query_one(DataTable)
        table.add_columns("at", "command")
        self.fill_commands()
        self.query_one(TerminalPane).focus()
        self._last = self._now()
        self.set_interval(1 / FPS, self.advance)
        self.show_status()

    def _now(self) -> float:
        return time.monotonic()

    @property
    def pane(self) -> TerminalPane:
        return self.query_one(TerminalPane)

    def advance(self) -> None:
        """One frame of the player: feed what is due since the last tick."""
        now = self._now()
        elapsed, self._last = now - self._last, now
        frames = self.replay.tick(elapsed)
        if frames:
            self.pane.feed(frames)
        if frames or not self.replay.paused:
            self.show_status()

    def show_status(self) -> None:
        replay = self.replay
        commands = replay.recording.commands
        state = ("■ end" if replay.finished else "⏸ paused" if replay.paused
                 else "▶ playing")
        index = replay.command_index()
        current = f"command {index + 1}/{len(commands)}" if index >= 0 else \
            f"{len(commands)} commands"
        self.query_one("#replay-status", Static).update(
            f"{state} {replay.speed:g}x  {clock(replay.position)} / "
            f"{clock(replay.recording.duration)}  {current}")
        table = self.query_one(DataTable)
        if index in self.shown:
            row = self.shown.index(index)
            if table.cursor_row != row:
                table.move_cursor(row=row, animate=False)

    def fill_commands(self, query: str = "") -> None:
        commands = self.replay.recording.commands
        self.shown = self.replay.search(query) if query else list(range(len(commands)))
        table = self.query_one(DataTable)
        table.clear()
        for i in self.shown:
            table.add_row(clock(commands[i].t), commands[i].command, key=str(i))

    def jump(self, seek: Seek | None) -> None:
        if seek is None:
            self.notify("no more commands that way", timeout=2)
            return
        self.pane.redraw(seek)
        self.show_status()

    def action_pause(self) -> None:
        self.replay.toggle_pause()
        self._last = self._now()
        self.show_status()

    def action_speed(self, speed: float) -> None:
        self.replay.speed = float(speed)
        self.show_status()

    def action_seek(self, direction: int) -> None:
        self.jump(self.replay.seek(self.replay.position + direction * SEEK_STEP))

    def action_next_command(self) -> None:
        self.jump(self.replay.next_command())

    def action_previous_command(self) -> None:
        self.jump(self.replay.previous_command())

    def action_search(self) -> None:
        self.query_one("#replay-search", Input).focus()

    def action_close(self) -> None:
        if self.query_one("#replay-search", Input).has_focus:
            self.pane.focus()
            return
        self.dismiss()

    @on(Input.Changed, "#replay-search")
    def search_changed(self, event: Input.Changed) -> None:
        self.fill_commands(event.value.strip())

    @on(Input.Submitted, "#replay-search")
    def search_done(self) -> None:
        if self.shown:
            self.query_one(DataTable).focus()
        else:
            self.notify("no command matches", timeout=3)

    @on(DataTable.RowSelected, "#replay-commands")
    def command_chosen(self, event: DataTable.RowSelected) -> None:
        index = int(str(event.row_key.value))
        self.jump(self.replay.seek(self.replay.recording.commands[index].t))
        self.pane.focus()
