"""Recorded SSH sessions from the TUI, on the real lab and a real SQLite store.

Given `nocdeck --lab`, when I press `s` on r1 in Devices (or pick "ssh r2" in the command
palette), work on the device and log out, then I am back in nocdeck, told the session was
recorded, and the Sessions section lists it with its user, times, completeness and exit
status. A headless app cannot suspend, so the test injects `open_session`: the same session
on the Backend's loop (`run_on_backend`), bridged to a pty this test types into.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from nocdeck.app import NocdeckApp, create_app
from nocdeck.config import Settings
from nocdeck.credentials import LAB_REFERENCE
from nocdeck.inventory import Inventory
from nocdeck.inventory.models import Device
from nocdeck.recordings.terminal import SessionResult
from nocdeck.screens.devices import DevicesScreen
from nocdeck.screens.sessions import SessionOpener, SessionsScreen, run_on_backend
from nocdeck.store import Store
from nocdeck.workspace import Workspace
from tests.recordings.driver import PtyUser, set_size
from tests.tui.conftest import wait_for

pytestmark = pytest.mark.timeout(90)


def pty_opener(app: NocdeckApp, typed: list[str], *,
               size: tuple[int, int] = (80, 24)) -> SessionOpener:
    """An `open_session` that types `show version` and `exit` into a pty, as a user would
(after `terminal length 0`: the lab pages like a real IOS)."""

    async def open_session(device: Device) -> SessionResult:
        master, slave = os.openpty()
        set_size(slave, *size)
        user = PtyUser(master)
        try:
            running = run_on_backend(app.backend, device, stdin_fd=slave, stdout_fd=slave,
                                     term_size=size)
            result = asyncio.wrap_future(running)
            prompt = f"{device.name}>"
            waiting = asyncio.ensure_future(user.expect(prompt))
            done, _ = await asyncio.wait({waiting, result}, timeout=20,
                                         return_when=asyncio.FIRST_COMPLETED)
            if result in done:  # refused before the device prompt: the error goes up
                waiting.cancel()
                return await result
            await user.run("terminal length 0", prompt)
            await user.run("show version", prompt)
            os.write(master, b"exit\r")
            outcome = await asyncio.wait_for(result, 30)
            user.pump()
            typed.append(bytes(user.seen).decode(errors="replace"))
            return outcome
        finally:
            os.close(slave)
            os.close(master)

    return open_session


def notes(app: NocdeckApp) -> list[str]:
    return [f"{n.title} {n.message}" for n in app._notifications]


def cells(table: DataTable[object]) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_ssh_from_devices_and_palette_lists_the_records(lab_settings: Settings) -> None:
    app = create_app(lab_settings)
    shown: list[str] = []
    app.open_session = pty_opener(app, shown)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("f3")
        devices = app.screen
        assert isinstance(devices, DevicesScreen)
        table = devices.query_one("#devices-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 3, what="the lab devices")
        assert devices.current() is not None and devices.current().name == "r1"  # type: ignore[union-attr]

        await pilot.press("s")
        await wait_for(pilot, lambda: any("recorded" in n for n in notes(app)), timeout=45,
                       what="the session's notification")
        assert "exit status 0" in notes(app)[-1]
        assert "Cisco" in shown[0] or "Version" in shown[0], "show version was answered"
        detail = devices.query_one("#devices-detail", Static)
        await wait_for(pilot, lambda: "ss-" in str(detail.render()), what="the r1 session")

        # The palette: "ssh r2" is a hit of its own.
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"ssh r2")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: sum("recorded" in n for n in notes(app)) == 2,
                       timeout=45, what="the r2 session")

        await pilot.press("f5")
        sessions = app.screen
        assert isinstance(sessions, SessionsScreen)
        listed = sessions.query_one(DataTable)
        await wait_for(pilot, lambda: listed.row_count == 2, what="two recordings")
        rows = cells(listed)
        assert [r[0] for r in rows] == ["r2", "r1"], "newest first"
        for row in rows:
            assert row[6].startswith("ss-")
            assert row[1] == "requester@noc"
            assert row[4] == "yes" and row[5] == "0"
        commands = await app.backend.call(lambda ws: ws.store.session_commands(rows[1][6]))
        assert [c.command for c in commands] == ["terminal length 0", "show version", "exit"]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_sessions_that_cannot_start_are_notifications(tmp_path: Path) -> None:
    gone = Device(name="gone", platform="cisco_ios", host="127.0.0.1", port=closed_port(),
                  credentials=LAB_REFERENCE, host_key_check=False)

    @asynccontextmanager
    async def opener(settings: Settings) -> AsyncIterator[Workspace]:
        store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/s.db")
        try:
            yield Workspace(settings, store, None, Inventory([gone], source="test"))
        finally:
            await store.close()

    app = create_app(Settings(user="noc@test", connect_timeout=5), workspace=opener)
    app.open_session = pty_opener(app, [])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        await app.run_action("ssh('gonne')")
        await wait_for(pilot, lambda: any("unknown device 'gonne'" in n for n in notes(app)),
                       what="the unknown device")
        assert "did you mean gone" in notes(app)[-1]

        await app.run_action("ssh('gone')")
        await wait_for(pilot, lambda: len(notes(app)) == 2, what="the unreachable device")
        assert "connection refused" in notes(app)[-1] and "gone" in notes(app)[-1]

        app.open_session = pty_opener(app, [], size=(12, 4))
        await app.run_action("ssh('gone')")
        await wait_for(pilot, lambda: len(notes(app)) == 3, what="the small terminal")
        assert "terminal too small (12x4)" in notes(app)[-1]

        await pilot.press("f5")
        listed = app.screen.query_one(DataTable)
        await pilot.pause(0.3)
        assert listed.row_count == 0, "nothing is recorded for a session that never started"
        assert app.is_running
