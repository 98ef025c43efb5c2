"""Recorded SSH sessions in the TUI: open one on a device, list the recordings, replay one.

The session itself runs on the Backend's loop, not the UI's: the lab's SSH servers and the
store's connections live there, and the recorder writes through that store. The UI thread
hands the terminal over (`App.suspend()`) and waits for the session's Future; nothing is
painted meanwhile, so the device owns the screen until logout. Off the main thread the
session cannot take SIGWINCH, so it polls the terminal's size instead (twice a second).

`NocdeckApp.open_session` is the whole hand-over: a test replaces it with one that runs
the same session on the ends of a pty (`run_on_backend`), since a headless app cannot
suspend.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from nocdeck.errors import BadInput

if TYPE_CHECKING:
    from nocdeck.inventory.models import Device
    from nocdeck.recordings.terminal import SessionResult
    from nocdeck.screens.backend import Backend
    from nocdeck.store.sessions import SessionSummary

SessionOpener = Callable[["Device"], Awaitable["SessionResult"]]
"""Runs one interactive session on a device and returns how it ended (record committed)."""

LISTED = 200


class SessionRecorded(Message):
    """A session ended and its record is committed: lists showing sessions refresh."""

    def __init__(self, session_id: str, device: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.device = device


def run_on_backend(backend: Backend, device: Device, *, stdin_fd: int, stdout_fd: int,
                   term_size: tuple[int, int] | None = None) -> Future[SessionResult]:
    """Start the recorded session on the engine loop, bridged to these file descriptors."""
    # Imported here: the recorder pulls in asyncssh and the store, which the first paint of
    # the app must not wait for.
    from nocdeck.recordings.terminal import run_interactive_session

    return backend.submit(lambda ws: run_interactive_session(
        device, ws.settings, ws.store, stdin_fd=stdin_fd, stdout_fd=stdout_fd,
        term_size=term_size))


def terminal_opener(app: App[Any], backend: Backend) -> SessionOpener:
    """The real hand-over: suspend the app, bridge the process's terminal, resume."""

    async def open_session(device: Device) -> SessionResult:
        if sys.__stdin__ is None or sys.__stdout__ is None:
            raise BadInput(f"{device.name}: no terminal to hand over to the session")
        stdin_fd, stdout_fd = sys.__stdin__.fileno(), sys.__stdout__.fileno()
        from nocdeck.recordings.terminal import check_size, terminal_size

        check_size(device.name, terminal_size(stdout_fd))  # refuse before the screen goes
        with app.suspend():
            # Block the UI loop, as `os.system("vim")` would: nothing may paint over the
            # device's screen, and the session's own loop is the Backend's.
            return run_on_backend(backend, device, stdin_fd=stdin_fd,
                                  stdout_fd=stdout_fd).result()

    return open_session


async def ssh_to(app: App[Any], backend: Backend, opener: SessionOpener,
                 name: str) -> SessionResult | None:
    """Open a session on the inventory device `name`; every failure is one notification."""
    from nocdeck.commands.ssh import find_device

    try:
        workspace = await backend.workspace()
        device = find_device(workspace.need_inventory(), name)
        result = await opener(device)
    except Exception as exc:
        app.notify(str(exc), title=f"ssh {name}: no session", severity="error", timeout=10)
        return None
    state = "complete" if result.complete else "incomplete"
    app.notify(f"session {result.session_id} on {result.device} recorded ({state}), "
               f"exit status {result.exit_status}" +
               (f"\n{result.message}" if result.message else ""),
               severity="information" if result.complete else "warning", timeout=8)
    return result


def utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC) if value.tzinfo is not None else value


def started(summary: SessionSummary) -> str:
    return f"{utc(summary.started_at):%Y-%m-%d %H:%M}"


def ended(summary: SessionSummary) -> str:
    """The time only when it ended the day it started (the usual case)."""
    if summary.ended_at is None:
        return "-"
    end = utc(summary.ended_at)
    return f"{end:%H:%M:%S}" if end.date() == utc(summary.started_at).date() else \
        f"{end:%m-%d %H:%M}"


def outcome(summary: SessionSummary) -> str:
    return "yes" if summary.complete else f"no, {summary.status}"


class SessionsScreen(Screen[None]):
    """Every recorded session, newest first; Enter replays one, `o` replays a .cast file."""

    CSS_PATH = "sessions.tcss"
    BINDINGS = [
        Binding("enter", "replay", "Replay", id="sessions.replay"),
        Binding("o", "open_file", "Open .cast", id="sessions.open-file"),
        Binding("r", "reload", "Refresh", id="sessions.refresh"),
        Binding("escape", "close_file", "Close", show=False, id="sessions.close-file"),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend
        self.sessions: list[SessionSummary] = []
        self._shown: list[tuple[str, ...]] = []
        """The rows the table holds now."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="sessions-table", cursor_type="row", zebra_stripes=True)
        yield Input(placeholder="path of an asciicast file (.cast), Enter to replay",
                    id="sessions-file")
        yield Static("", id="sessions-status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "recorded sessions"
        table = self.query_one(DataTable)
        table.add_columns("device", "user", "started (UTC)", "ended", "complete", "exit", "id")
        table.focus()
        self.action_reload()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def on_session_recorded(self, _: SessionRecorded) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    @work(exclusive=True, group="sessions", exit_on_error=False)
    async def load(self) -> None:
        status = self.query_one("#sessions-status", Static)
        try:
            self.sessions = await self.backend.call(
                lambda ws: ws.store.list_sessions(limit=LISTED))
        except Exception as exc:
            status.update(f"cannot read the recordings: {exc}")
            return
        rows: list[tuple[str, ...]] = [
            (s.device, s.user, started(s), ended(s), outcome(s),
             "-" if s.exit_status is None else str(s.exit_status), s.id)
            for s in self.sessions]
        # Opening the screen reloads it more than once (mount, resume, a recording that
        # ends): the table is rebuilt only when what it shows changed, so it neither
        # flickers nor loses the cursor, and the columns keep the widths of their rows.
        if rows != self._shown:
            self._shown = rows
            table = self.query_one(DataTable)
            table.clear()
            for row in rows:
                table.add_row(*row, key=row[-1])
        self.show_status()

    def show_status(self) -> None:
        summary = self.current()
        self.query_one("#sessions-status", Static).update(
            f"{len(self.sessions)} sessions · {summary.id} · Enter replays"
            if summary is not None else
            "no recorded sessions yet: s on a device (F3) or ctrl+p \"ssh DEVICE\"")

    @on(DataTable.RowHighlighted, "#sessions-table")
    def highlighted(self) -> None:
        self.show_status()

    def current(self) -> SessionSummary | None:
        table = self.query_one(DataTable)
        if 0 <= table.cursor_row < len(self.sessions):
            return self.sessions[table.cursor_row]
        return None

    @on(DataTable.RowSelected, "#sessions-table")
    def row_chosen(self) -> None:
        self.action_replay()

    def action_replay(self) -> None:
        summary = self.current()
        if summary is not None:
            self.replay_stored(summary.id)

    @work(group="replay-load", exit_on_error=False)
    async def replay_stored(self, session_id: str) -> None:
        from nocdeck.screens.replay import ReplayScreen, load_for_replay

        try:
            recording = await self.backend.call(lambda ws: load_for_replay(ws.store,
                                                                           session_id))
        except Exception as exc:
            self.notify(f"cannot replay {session_id}: {exc}", severity="error", timeout=10)
            return
        await self.app.push_screen(ReplayScreen(recording))

    def action_open_file(self) -> None:
        box = self.query_one("#sessions-file", Input)
        box.display = True
        box.focus()

    def action_close_file(self) -> None:
        box = self.query_one("#sessions-file", Input)
        box.display = False
        self.query_one(DataTable).focus()

    @on(Input.Submitted, "#sessions-file")
    def file_chosen(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.replay_file(Path(event.value.strip()).expanduser())

    @work(group="replay-load", exit_on_error=False)
    async def replay_file(self, path: Path) -> None:
        from nocdeck.recordings.replay import load_file
        from nocdeck.screens.replay import ReplayScreen

        try:
            recording = await self.backend.run_sync(lambda: load_file(path))
        except Exception as exc:
            self.notify(f"cannot replay {path}: {exc}", severity="error", timeout=10)
            return
        self.action_close_file()
        await self.app.push_screen(ReplayScreen(recording))


class SshCommands(Provider):
    """The command palette's "ssh DEVICE": one hit per inventory device."""

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for device in self._devices():
            text = f"ssh {device.name}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), self._opener(device.name),
                          help=f"recorded session on {device.platform} {device.host}")

    async def discover(self) -> Hits:
        for device in self._devices()[:20]:
            yield DiscoveryHit(f"ssh {device.name}", self._opener(device.name),
                               help="open a recorded SSH session")

    def _devices(self) -> list[Device]:
        backend: Backend | None = getattr(self.app, "backend", None)
        workspace = backend.workspace_now() if backend is not None else None
        if workspace is None or workspace.inventory is None:
            return []
        return list(workspace.inventory)

    def _opener(self, name: str) -> Callable[[], object]:
        return lambda: self.app.run_action(f"ssh({name!r})")
