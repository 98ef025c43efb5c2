"""The push view's device rows: statuses land on the right line, the cursor picks the log.

Given a push of 200 devices whose events arrive on another thread, when r-007 starts and
r-003 fails, then their lines say so (and only theirs changed), and when I move the cursor
down to r-003 the log shows r-003's dialogue, not the others'.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Log

import nocdeck.screens.push as push_module
from nocdeck.config import Settings
from nocdeck.engine import events as ev
from nocdeck.screens.backend import Backend
from nocdeck.screens.planning import RequestDraft
from nocdeck.screens.push import PushScreen
from nocdeck.screens.widgets.devicetable import DeviceTable
from tests.tui.conftest import wait_for

pytestmark = pytest.mark.timeout(60)
NAMES = [f"r-{n:03d}" for n in range(200)]


class FedPush(PushScreen):
    """The real screen, fed by the test instead of a run."""

    CSS_PATH = str(Path(push_module.__file__).with_name("push.tcss"))

    def execute(self) -> None:  # type: ignore[override]
        self.status = "running"


class PushApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(FedPush(Backend(Settings()), RequestDraft("bench", {}), NAMES))


def line(table: DeviceTable, y: int) -> str:
    return table.render_line(y).text


async def test_rows_follow_events_and_the_cursor_picks_the_dialogue() -> None:
    app = PushApp()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FedPush), what="the push view")
        screen = app.screen
        assert isinstance(screen, FedPush)
        table = screen.query_one(DeviceTable)
        assert line(table, 0).split() == ["device", "status", "step", "elapsed"]

        def feed() -> None:  # the engine's thread, as in a run
            for n, name in enumerate(NAMES):
                screen.buffer(ev.LogLine(execution_id="ex-t", device=name,
                                         direction="received", text=f"{name} says {n}"))
            screen.buffer(ev.DeviceStatusChanged(execution_id="ex-t", device="r-007",
                                                 status="running"))
            screen.buffer(ev.StepStarted(execution_id="ex-t", device="r-007",
                                         step="set description", step_type="task"))
            screen.buffer(ev.DeviceStatusChanged(execution_id="ex-t", device="r-003",
                                                 status="failed"))

        feeder = threading.Thread(target=feed)
        feeder.start()
        feeder.join(timeout=10)
        await wait_for(pilot, lambda: "failed" in line(table, 4), what="r-003 failed")
        assert line(table, 4).split()[:2] == ["r-003", "failed"]
        assert line(table, 8).split()[:4] == ["r-007", "running", "set", "description"]
        assert line(table, 5).split() == ["r-004", "pending"]
        assert screen.rows["r-003"].status == "failed"

        log = screen.query_one(Log)
        assert [str(text) for text in log.lines] == ["r-000 says 0"]
        await pilot.press("down", "down", "down")
        await wait_for(pilot, lambda: screen.selected == "r-003", what="the cursor on r-003")
        assert table.cursor_row == 3
        assert [str(text) for text in log.lines] == ["r-003 says 3"]

        await pilot.press("end")
        await wait_for(pilot, lambda: screen.selected == "r-199", what="the last device")
        assert int(table.scroll_offset.y) > 0, "the cursor's row was scrolled into view"
        await pilot.press("home")
        await wait_for(pilot, lambda: screen.selected == "r-000", what="the first device")


def test_the_elapsed_time_stops_when_the_device_ends() -> None:
    from nocdeck.screens.widgets.devicetable import DeviceRow

    row: Any = DeviceRow("core-sw1", status="running", step="push", started=0.0, ended=12.5)
    assert row.elapsed(99.0) == " 12.5s"
