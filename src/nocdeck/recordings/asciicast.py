"""asciicast v2, the format `asciinema play` reads: a JSON header line, then one JSON array
per event, `[t, code, data]`, t in seconds since the start (not a delta), non-decreasing.

Codes: `o` output, `i` input, `r` resize (`"COLSxROWS"`), `m` marker (here: a redaction or
a note). Export streams from the store page by page (a long session is never whole in
memory) into a temporary file renamed at the end, so a failed export leaves no half file.
Reading checks every line and names the first bad one as FILE:LINE.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from nocdeck.errors import BadInput
from nocdeck.store.sessions import SessionEvent, SessionsMixin, SessionSummary

CODES = frozenset("oirm")
RESIZE = re.compile(r"^(\d+)x(\d+)$")


class RecordingError(BadInput):
    """A recording (a file or a stored transcript) is damaged; names where."""


@dataclass(frozen=True, slots=True)
class Frame:
    t: float
    code: str
    data: str


@dataclass
class CastHeader:
    width: int
    height: int
    timestamp: int | None = None
    title: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> str:
        header: dict[str, Any] = {"version": 2, "width": self.width, "height": self.height}
        if self.timestamp is not None:
            header["timestamp"] = self.timestamp
        header["title"] = self.title
        header["env"] = self.env
        return json.dumps(header, ensure_ascii=False)


def header_for(summary: SessionSummary) -> CastHeader:
    state = "" if summary.complete else f" ({summary.status})"
    title = (f"{summary.device} - {summary.user} - "
             f"{summary.started_at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC{state}")
    return CastHeader(summary.term_cols or 80, summary.term_rows or 24,
                      int(summary.started_at.timestamp()), title,
                      {"TERM": "xterm-256color", "SHELL": "ssh"})


def check_event(event: SessionEvent, last_t: float, where: str) -> None:
    """Refuse an event that no player could play, naming it."""
    if event.kind not in CODES:
        raise RecordingError(f"{where}: event {event.seq} has unknown type {event.kind!r}")
    if not math.isfinite(event.t) or event.t < last_t:
        raise RecordingError(f"{where}: event {event.seq} goes back in time "
                             f"({event.t} after {last_t})")
    if event.kind == "r" and not RESIZE.match(event.data):
        raise RecordingError(f"{where}: resize event {event.seq} is {event.data!r}, "
                             "expected COLSxROWS")


async def export_session(store: SessionsMixin, session_id: str, path: Path) -> int:
    """Write a stored session as asciicast v2 to `path`; returns the number of events."""
    summary = await store.get_session(session_id)
    if summary.status == "purged":
        raise RecordingError(f"recording {session_id}: its transcript was purged by retention "
                             "(the record of the session is kept)")
    where = f"recording {session_id}"
    tmp = path.with_name(f".{path.name}.nocdeck-tmp")
    count, last_t, expected = 0, 0.0, 0
    try:
        with tmp.open("w", encoding="utf-8") as out:
            out.write(header_for(summary).as_json() + "\n")
            async for batch in store.session_events(session_id):
                for event in batch:
                    if event.kind == "m" and event.seq == expected - 1:
                        expected -= 1  # one stored row of markers, one event per redaction
                    if event.seq != expected:
                        raise RecordingError(f"{where}: events {expected}-{event.seq - 1} are "
                                             "missing (the transcript is damaged)")
                    check_event(event, last_t, where)
                    out.write(json.dumps([event.t, event.kind, event.data],
                                         ensure_ascii=False) + "\n")
                    last_t, expected, count = event.t, expected + 1, count + 1
        tmp.replace(path)
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {exc.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return count


def read_cast(path: Path) -> tuple[CastHeader, list[Frame]]:
    """Parse an asciicast v2 file, or a RecordingError naming FILE:LINE."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read: {exc.strerror}") from None
    with handle:
        try:
            return _parse(path, handle)
        except UnicodeDecodeError:
            raise RecordingError(f"{path}: not a text file (not an asciicast recording)"
                                 ) from None


def _parse(path: Path, handle: IO[str]) -> tuple[CastHeader, list[Frame]]:
    lines = iter(enumerate(handle, start=1))
    header = _header(path, next(lines, (1, "")))
    return header, list(_frames(path, lines))


def _header(path: Path, numbered: tuple[int, str]) -> CastHeader:
    number, line = numbered
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        raise RecordingError(f"{path}:{number}: not an asciicast header (expected a JSON "
                             "object with version 2)") from None
    if not isinstance(data, dict) or data.get("version") != 2:
        raise RecordingError(f"{path}:{number}: not an asciicast v2 header (version must be 2)")
    width, height = data.get("width"), data.get("height")
    if not (isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0):
        raise RecordingError(f"{path}:{number}: header needs positive integer width and height")
    raw_env = data.get("env")
    env: dict[str, Any] = raw_env if isinstance(raw_env, dict) else {}
    stamp = data.get("timestamp")
    return CastHeader(width, height, stamp if isinstance(stamp, int) else None,
                      str(data.get("title", "")), {str(k): str(v) for k, v in env.items()})


def _frames(path: Path, lines: Iterator[tuple[int, str]]) -> Iterator[Frame]:
    last_t = 0.0
    for number, line in lines:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            cut = "" if line.endswith("\n") else " (the file ends mid-event: truncated)"
            raise RecordingError(f"{path}:{number}: not a JSON event{cut}") from None
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[1], str)
                and isinstance(item[2], str) and isinstance(item[0], int | float)
                and not isinstance(item[0], bool)):
            raise RecordingError(f"{path}:{number}: expected [time, code, data]")
        t, code, data = float(item[0]), item[1], item[2]
        if code not in CODES:
            raise RecordingError(f"{path}:{number}: unknown event code {code!r} "
                                 "(expected o, i, r or m)")
        if not math.isfinite(t) or t < last_t:
            raise RecordingError(f"{path}:{number}: time {item[0]} goes back (previous {last_t})")
        if code == "r" and not RESIZE.match(data):
            raise RecordingError(f"{path}:{number}: resize data {data!r}, expected COLSxROWS")
        last_t = t
        yield Frame(t, code, data)
