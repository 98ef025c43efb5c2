"""Snapshots of each screen at 80x24 and 160x48: no lab, no clock, no cursor blink.

The workspace is a static inventory and an empty SQLite store, so nothing on screen
depends on ports, ids or time. Update with `pytest tests/tui --snapshot-update` after a
deliberate change, and look at the SVGs in the report before committing them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input

from nocdeck.app import create_app
from nocdeck.config import Settings
from nocdeck.engine.diff import diff_text
from nocdeck.redaction import GLOBAL_REDACTOR
from nocdeck.screens.widgets.diffview import DiffView
from tests.tui.conftest import static_opener, wait_for

pytestmark = pytest.mark.timeout(60)
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


def no_blink(app: App[Any]) -> None:
    for box in app.query(Input):
        box.cursor_blink = False


async def catalog_ready(pilot: Pilot[Any]) -> None:
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "catalog", None) is not None)
    await pilot.pause(0.2)
    no_blink(pilot.app)


def app_for(tmp_path: Path) -> App[Any]:
    return create_app(Settings(user="snap@noc"), workspace=static_opener(tmp_path, pinned=True))


@pytest.mark.parametrize("size", SIZES)
def test_catalog(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(tmp_path), terminal_size=size, run_before=catalog_ready)


@pytest.mark.parametrize("size", SIZES)
def test_form_with_an_invalid_value(snap_compare: Any, tmp_path: Path,
                                    size: tuple[int, int]) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await catalog_ready(pilot)
        await pilot.press("slash", *"add vl", "enter", "enter")
        await pilot.pause(0.3)
        await pilot.press(*"r1", "tab", *"5000", "tab")
        await pilot.pause(0.2)
        no_blink(pilot.app)

    assert snap_compare(app_for(tmp_path), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await catalog_ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.3)

    assert snap_compare(app_for(tmp_path), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("mode", ["history", "devices", "approvals"])
def test_sections(snap_compare: Any, tmp_path: Path, size: tuple[int, int], mode: str) -> None:
    key = {"history": "f2", "devices": "f3", "approvals": "f4"}[mode]

    async def before(pilot: Pilot[Any]) -> None:
        await catalog_ready(pilot)
        await pilot.press(key)
        await pilot.pause(0.5)
        no_blink(pilot.app)

    assert snap_compare(app_for(tmp_path), terminal_size=size, run_before=before)


RUNNING = "\n".join(["hostname r1", "snmp-server community s3cr3tCommunity RO",
                     *[f"interface Gi1/0/{i}\n description desk {i}\n no shutdown"
                       for i in range(1, 40)], "end"])
INTENDED = (RUNNING.replace("desk 7\n", "desk 7 - J. Smith\n")
            .replace("s3cr3tCommunity", "n3wCommunity").replace("end", "ntp server 10.0.0.1\nend"))


class DiffApp(App[None]):
    def __init__(self, unified: bool) -> None:
        super().__init__()
        self.unified = unified

    def compose(self) -> ComposeResult:
        yield DiffView(id="diff")

    def on_mount(self) -> None:
        view = self.query_one(DiffView)
        view.unified = self.unified
        view.show(diff_text(RUNNING, INTENDED).masked(GLOBAL_REDACTOR))
        view.focus()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("unified", [False, True], ids=["side-by-side", "unified"])
def test_diff_view(snap_compare: Any, size: tuple[int, int], unified: bool) -> None:
    assert snap_compare(DiffApp(unified), terminal_size=size)
