"""Replay: a recording as a clock-driven sequence of frames that a screen or a terminal plays.

`Replay` knows nothing of screens: a caller advances it by real elapsed time (`tick`) and
feeds the frames it returns to a terminal emulator; `seek` gives everything needed to redraw
from scratch at any moment (size, then output so far), `next_command`/`previous_command`
jump between commands, and `search` filters the commands list. The TUI's pane and
`nocdeck recordings replay` both drive it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nocdeck.recordings.asciicast import RESIZE, CastHeader, Frame, header_for, read_cast
from nocdeck.recordings.commands import CommandLog
from nocdeck.store.sessions import SessionsMixin

SPEEDS = (1.0, 2.0, 8.0)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
IDLE_LIMIT = 2.0
"""Longest pause a replay waits through (seconds of recording): nobody watches idle time."""


@dataclass(frozen=True)
class CommandMark:
    t: float
    command: str


@dataclass
class Recording:
    header: CastHeader
    frames: list[Frame]
    commands: list[CommandMark]

    @property
    def duration(self) -> float:
        return self.frames[-1].t if self.frames else 0.0


@dataclass(frozen=True)
class Seek:
    """What a terminal needs to show the recording at `t`: reset to `size`, write `output`."""

    t: float
    size: tuple[int, int]
    output: str


def commands_from_frames(frames: list[Frame]) -> list[CommandMark]:
    """Commands of a recording that came as a file: the same rules as the live recorder."""
    log = CommandLog()
    for frame in frames:
        if frame.code == "o":
            log.output(frame.data)
        elif frame.code == "i":
            for _ in range(frame.data.count("\r") + frame.data.count("\n")):
                log.enter_pressed(_EPOCH, frame.t)
    return [CommandMark(c.t, c.command) for c in log.commands]


async def load_stored(store: SessionsMixin, session_id: str) -> Recording:
    summary = await store.get_session(session_id)
    frames = [Frame(e.t, e.kind, e.data) async for batch in store.session_events(session_id)
              for e in batch]
    commands = [CommandMark(c.t, c.command) for c in await store.session_commands(session_id)]
    return Recording(header_for(summary), frames, commands)


def load_file(path: Path) -> Recording:
    header, frames = read_cast(path)
    return Recording(header, frames, commands_from_frames(frames))


class Replay:
    """A position in a recording, a speed and a pause state."""

    def __init__(self, recording: Recording, *, speed: float = 1.0) -> None:
        self.recording = recording
        self.speed = speed
        self.paused = False
        self.position = 0.0
        self._next = 0
        self._times = [f.t for f in recording.frames]
        self._command_times = [c.t for c in recording.commands]

    @property
    def next_frame_at(self) -> float | None:
        """Recording time of the next frame due, None at the end."""
        return None if self.finished else self.recording.frames[self._next].t

    @property
    def finished(self) -> bool:
        return self._next >= len(self.recording.frames)

    def toggle_pause(self) -> None:
        self.paused = not self.paused

    def tick(self, elapsed: float) -> list[Frame]:
        """Advance by `elapsed` real seconds; the frames now due, in order."""
        if self.paused or self.finished:
            return []
        target = self.position + elapsed * self.speed
        upcoming = self.recording.frames[self._next].t
        if upcoming - self.position > IDLE_LIMIT:
            target = max(target, upcoming - IDLE_LIMIT + elapsed * self.speed)
        end = bisect.bisect_right(self._times, target, lo=self._next)
        due = self.recording.frames[self._next:end]
        self._next, self.position = end, min(target, self.recording.duration)
        return due

    def seek(self, t: float) -> Seek:
        """Jump to `t` seconds: the size then and all output until then."""
        t = max(0.0, min(t, self.recording.duration))
        end = bisect.bisect_right(self._times, t)
        size = (self.recording.header.width, self.recording.header.height)
        output: list[str] = []
        for frame in self.recording.frames[:end]:
            if frame.code == "o":
                output.append(frame.data)
            elif frame.code == "r":
                match = RESIZE.match(frame.data)
                if match:
                    size = (int(match.group(1)), int(match.group(2)))
        self.position, self._next = t, end
        return Seek(t, size, "".join(output))

    def command_index(self) -> int:
        """The command being shown (the last one started), or -1 before the first."""
        return bisect.bisect_right(self._command_times, self.position) - 1

    def next_command(self) -> Seek | None:
        index = bisect.bisect_right(self._command_times, self.position)
        if index >= len(self._command_times):
            return None
        return self.seek(self._command_times[index])

    def previous_command(self) -> Seek | None:
        index = self.command_index() - (1 if self._at_command() else 0)
        return self.seek(self._command_times[index]) if index >= 0 else None

    def _at_command(self) -> bool:
        index = self.command_index()
        return index >= 0 and self._command_times[index] == self.position

    def search(self, text: str) -> list[int]:
        """Indexes of the commands containing `text` (any case)."""
        needle = text.lower()
        return [i for i, c in enumerate(self.recording.commands) if needle in c.command.lower()]


def play_in_terminal(recording: Recording, *, speed: float = 1.0,
                     write: Callable[[str], None] | None = None,
                     sleep: Callable[[float], None] = time.sleep) -> None:
    """Play output frames in real time (scaled by `speed`, idle capped) to the terminal."""
    out = write or _stdout_write
    replay = Replay(recording, speed=speed)
    clock = time.monotonic()
    while (upcoming := replay.next_frame_at) is not None:
        wait = min(upcoming - replay.position, IDLE_LIMIT) / speed
        if wait > 0:
            sleep(wait)
        now = time.monotonic()
        for frame in replay.tick(max(now - clock, wait)):
            if frame.code == "o":
                out(frame.data)
        clock = now


def _stdout_write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
