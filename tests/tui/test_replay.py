"""Replay in the TUI: pick a recording in Sessions (F5), play it, pause, seek, jump to the
next command, search the commands; a damaged recording is a notification, never a crash.

The recordings are built here with fixed timestamps and ids in a real SQLite store, so the
snapshots of the Sessions list and the Replay screen (80x24, 160x48) never move.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from nocdeck.app import NocdeckApp, create_app
from nocdeck.config import Settings
from nocdeck.screens.replay import ReplayScreen, TerminalPane
from nocdeck.screens.sessions import SessionsScreen
from nocdeck.store import Store
from nocdeck.store.sessions import SessionCommand, SessionEvent
from tests.tui.conftest import static_opener, wait_for

pytestmark = pytest.mark.timeout(60)
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
START = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)

TRANSCRIPT = [
    (0.0, "o", "\r\nr1>"),
    (1.0, "i", "show clock\r"),
    (1.1, "o", "show clock\r\n*09:30:01.000 UTC Tue Nov 24 2026\r\nr1>"),
    (3.0, "i", "show version\r"),
    (3.1, "o", "show version\r\nCisco IOS Software, C2960X Software, Version 15.2(7)E4\r\nr1>"),
    (6.0, "r", "100x30"),
    (7.0, "i", "exit\r"),
    (7.1, "o", "exit\r\n"),
]
COMMANDS = [(1.0, "show clock"), (3.0, "show version"), (7.0, "exit")]


@pytest.fixture(autouse=True)
def fixed_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = itertools.count(1)
    monkeypatch.setattr("nocdeck.store.sessions.new_id",
                        lambda prefix, now=None: f"{prefix}-20261124-fixed{next(numbers):03d}")


async def seed(store: Store, *, corrupt: bool = False) -> None:
    """Two sessions on r1 (a complete one, one whose link dropped) and one on r2."""
    for n, (device, status) in enumerate([("r1", "complete"), ("r2", "dropped"),
                                          ("r1", "complete")]):
        started = START + dt.timedelta(minutes=10 * n)
        sid = await store.start_session(device, "alice@noc", cols=80, rows=24,
                                        started_at=started)
        events = [SessionEvent(seq, t, kind, data)
                  for seq, (t, kind, data) in enumerate(TRANSCRIPT)]
        if corrupt and n == 2:
            events[2] = SessionEvent(2, 1.1, "x", "garbage")
        commands = [SessionCommand(i, started + dt.timedelta(seconds=t), t, c, "")
                    for i, (t, c) in enumerate(COMMANDS)]
        ended = started + dt.timedelta(seconds=8)
        await store.append_session(sid, events, new_commands=commands, redaction_count=0,
                                   seen_at=ended)
        done = status == "complete"
        await store.finish_session(sid, exit_status=0 if done else None, complete=done,
                                   status=status, ended_at=ended)


def app_for(tmp_path: Path) -> NocdeckApp:
    return create_app(Settings(user="snap@noc"), workspace=static_opener(tmp_path, pinned=True))


async def open_sessions(pilot: Pilot[Any], *, corrupt: bool = False) -> DataTable[Any]:
    app = pilot.app
    assert isinstance(app, NocdeckApp)
    await app.backend.call(lambda ws: seed(ws.store, corrupt=corrupt))
    await pilot.press("f5")
    assert isinstance(app.screen, SessionsScreen)
    table = app.screen.query_one(DataTable)
    await wait_for(pilot, lambda: table.row_count == 3, what="the recordings")
    await pilot.pause(0.2)
    return table


def status(app: Any) -> str:
    return str(app.screen.query_one("#replay-status", Static).render())


def screen_text(app: Any) -> str:
    return "\n".join(app.screen.query_one(TerminalPane).lines())


async def test_replay_play_pause_seek_next_command_search(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await open_sessions(pilot)
        assert [str(c) for c in table.get_row_at(0)] == [
            "r1", "alice@noc", "2026-11-24 09:50", "09:50:08", "yes", "0",
            "ss-20261124-fixed003"]
        assert [str(c) for c in table.get_row_at(1)][4:6] == ["no, dropped", "-"]
        assert "ss-20261124-fixed003 · Enter replays" in str(
            app.screen.query_one("#sessions-status", Static).render())

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen), what="the replay")
        replay = app.screen
        assert isinstance(replay, ReplayScreen)
        await pilot.press("space")  # pause at once: the clock stops
        assert "⏸ paused" in status(app)
        held = replay.replay.position
        await pilot.pause(0.3)
        assert replay.replay.position == held

        await pilot.press("n")  # the first command: its prompt, not yet its answer
        assert replay.replay.position == 1.0
        assert "command 1/3" in status(app) and "00:01.0 / 00:07.1" in status(app)
        await pilot.press("n")
        assert "command 2/3" in status(app)
        assert "*09:30:01.000 UTC" in screen_text(app)
        assert "Cisco IOS Software" not in screen_text(app)

        await pilot.press("right")  # +5 s, past the end: the last frame
        assert replay.replay.position == pytest.approx(7.1)
        assert "Cisco IOS Software" in screen_text(app)
        assert replay.query_one(TerminalPane).term.columns == 100, "the resize was replayed"
        await pilot.press("left")
        assert replay.replay.position == pytest.approx(2.1)
        assert "Cisco IOS Software" not in screen_text(app)

        await pilot.press("slash", *"VERS")  # search is any case
        commands = replay.query_one("#replay-commands", DataTable)
        assert commands.row_count == 1
        assert str(commands.get_row_at(0)[1]) == "show version"
        await pilot.press("enter", "enter")  # to the list, then jump to the command
        assert replay.replay.position == 3.0
        replay.query_one("#replay-search", Input).value = ""
        await pilot.pause(0.1)
        assert commands.row_count == 3

        await pilot.press("8", "space")  # play at 8x to the end
        assert "▶ playing 8x" in status(app)
        await wait_for(pilot, lambda: "■ end" in status(app), timeout=10, what="the end")
        assert "r1>exit" in screen_text(app)

        await pilot.press("escape")
        assert isinstance(app.screen, SessionsScreen)


async def test_a_damaged_recording_is_a_notification(tmp_path: Path) -> None:
    cast = tmp_path / "cut.cast"
    cast.write_text('{"version": 2, "width": 80, "height": 24}\n[0.5, "o", "r1>"]\n'
                    '[1.0, "o", "show ver')
    app = app_for(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sessions(pilot, corrupt=True)
        await pilot.press("enter")  # the newest: its third event has an unknown type
        await wait_for(pilot, lambda: len(app._notifications) == 1, what="the message")
        message = next(iter(app._notifications)).message
        assert "ss-20261124-fixed003" in message and "unknown type 'x'" in message
        assert isinstance(app.screen, SessionsScreen)

        await pilot.press("o", *str(cast), "enter")
        await wait_for(pilot, lambda: len(app._notifications) == 2, what="the file message")
        message = list(app._notifications)[-1].message
        assert f"{cast}:3" in message, message
        assert isinstance(app.screen, SessionsScreen) and app.is_running

        await pilot.press("escape", "down", "enter")  # an intact one still plays
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen), what="replay")


@pytest.mark.parametrize("size", SIZES)
def test_sessions_list(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: pilot.app.backend.workspace_now() is not None)
        await open_sessions(pilot)

    assert snap_compare(app_for(tmp_path), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_replay_screen(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: pilot.app.backend.workspace_now() is not None)
        await open_sessions(pilot)
        await pilot.press("down", "down", "enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReplayScreen))
        await pilot.press("space", "n", "n")
        await pilot.pause(0.2)
        pilot.app.screen.query_one("#replay-search", Input).cursor_blink = False

    assert snap_compare(app_for(tmp_path), terminal_size=size, run_before=before)
