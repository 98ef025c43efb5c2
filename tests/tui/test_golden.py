"""The golden path, as a NOC engineer walks it, on the real lab and a real SQLite store.

Given `nocdeck --lab`, when I pick "Add VLAN", type an out-of-range VLAN (flagged on the
field), correct it, preview, push, approve it, then the push completes, history says
`completed`, and a fresh backup of the device shows the VLAN in its running config.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from nocdeck.app import create_app
from nocdeck.config import Settings, load_settings
from nocdeck.screens.approvals import ApprovalsScreen, DecisionScreen
from nocdeck.screens.catalog import CatalogScreen
from nocdeck.screens.devices import DevicesScreen
from nocdeck.screens.form import FormScreen
from nocdeck.screens.history import HistoryScreen
from nocdeck.screens.preview import PreviewScreen
from nocdeck.screens.push import PushScreen
from tests.tui.conftest import wait_for

pytestmark = pytest.mark.timeout(90)


def text(widget: Static) -> str:
    return str(widget.render())


def self_approving(settings: Settings, tmp_path: Path) -> Settings:
    """The lab settings, read back from a config file that allows self-approval."""
    config = tmp_path / "nocdeck.toml"
    config.write_text(f'lab = true\nlab_devices = {settings.lab_devices}\n'
                      f'store_url = "{settings.store_url}"\nuser = "{settings.user}"\n'
                      f'allow_self_approval = true\n')
    return load_settings(config_file=str(config), env={})


async def test_add_vlan_from_catalog_to_history(lab_settings: Settings, tmp_path: Path) -> None:
    app = create_app(self_approving(lab_settings, tmp_path))
    async with app.run_test(size=(160, 48)) as pilot:
        catalog = app.screen
        assert isinstance(catalog, CatalogScreen)
        await wait_for(pilot, lambda: catalog.catalog is not None, what="the catalog")

        # `/` filters fuzzily; Enter on the list opens the form.
        await pilot.press("slash", *"add vl", "enter")
        assert catalog.selected_workflow == "vlan-add"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="the form")
        form = app.screen
        assert isinstance(form, FormScreen)

        await pilot.press(*"r1", "tab", *"5000", "tab", *"tui_golden")
        await pilot.pause(0.1)
        vlan = form.field("vlan")
        assert vlan is not None
        assert "above the maximum 4094" in text(vlan.query_one(".field-error", Static))
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert isinstance(app.screen, FormScreen), "a bad value must not reach the preview"

        form.query_one("#input-vlan", Input).value = "777"
        await pilot.pause(0.1)
        assert text(vlan.query_one(".field-error", Static)) == ""
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen), what="preview")
        preview = app.screen
        assert isinstance(preview, PreviewScreen)
        await wait_for(pilot, lambda: preview.planned is not None, what="the plan")
        title = text(preview.query_one("#preview-title", Static))
        assert "needs approval" in title and "1 of 1 device to change" in title
        await wait_for(pilot, lambda: "vlan 777" in text(preview.query_one("#preview-push",
                                                                           Static)).lower(),
                       what="the lines to push")

        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PushScreen), what="push screen")
        push = app.screen
        assert isinstance(push, PushScreen)
        await wait_for(pilot, lambda: push.status == "awaiting_approval", what="the gate")

        # The approver opens pending approvals and approves with a comment.
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ApprovalsScreen)
                       and bool(app.screen.records), what="the pending approval")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DecisionScreen), what="decision")
        app.screen.query_one("#decision-comment", Input).value = "looks right"
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: push.finished, timeout=60, what="the push to finish")
        assert push.status == "completed", text(push.query_one("#push-status", Static))
        assert push.rows["r1"].status == "completed"
        assert push.rows["r1"].dialogue, "the device dialogue was streamed"

        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen)
                       and bool(app.screen.records), what="history")
        history = app.screen
        assert isinstance(history, HistoryScreen)
        newest = history.records[0]
        assert (newest.id, newest.status, newest.approved_by) == (
            push.execution_id, "completed", "requester@noc")

        # A backup taken from the Devices screen shows the VLAN on the device.
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, DevicesScreen)
                       and app.screen.query_one(DataTable).row_count > 0, what="devices")
        await pilot.press("b")

        async def latest() -> str:
            found = await app.backend.call(lambda ws: ws.store.latest_backups(["r1"]))
            return found["r1"].config if "r1" in found else ""

        for _ in range(100):
            config = await latest()
            if config:
                break
            await pilot.pause(0.1)
        assert "vlan 777" in config and "tui_golden" in config
