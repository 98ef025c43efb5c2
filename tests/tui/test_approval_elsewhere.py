"""An approval given in another process moves the requester's push screen on.

Given a push of "Add VLAN" waiting for approval in the app, when another operator runs
`nocdeck approve ID` in a separate process on the same store, then the requester's screen
executes the run and shows `completed`, and the record names the approver.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nocdeck.app import create_app
from nocdeck.config import Settings
from nocdeck.screens.catalog import CatalogScreen
from nocdeck.screens.form import FormScreen
from nocdeck.screens.preview import PreviewScreen
from nocdeck.screens.push import PushScreen
from tests.tui.conftest import wait_for

pytestmark = pytest.mark.timeout(120)
NOCDECK = Path(sys.executable).with_name("nocdeck")


async def test_approval_from_another_process(lab_settings: Settings) -> None:
    app = create_app(lab_settings)
    async with app.run_test(size=(120, 40)) as pilot:
        catalog = app.screen
        assert isinstance(catalog, CatalogScreen)
        await wait_for(pilot, lambda: catalog.catalog is not None, what="the catalog")
        await pilot.press("slash", *"add vl", "enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="the form")
        await pilot.press(*"r2", "tab", *"778", "tab", *"elsewhere")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen), what="preview")
        preview = app.screen
        await wait_for(pilot, lambda: preview.planned is not None, what="the plan")  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        push = app.screen
        assert isinstance(push, PushScreen)
        await wait_for(pilot, lambda: push.status == "awaiting_approval", what="the gate")

        env = {**os.environ, "NOCDECK_USER": "approver@noc", "NOCDECK_LAB_DEVICES": "3"}
        approver = subprocess.Popen(
            [str(NOCDECK), "--lab", "--store", lab_settings.store_url, "approve",
             push.execution_id, "--comment", "ok from the other desk"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            await wait_for(pilot, lambda: push.finished, timeout=60, what="the push")
        finally:
            _out, err = approver.communicate(timeout=60)
        assert approver.returncode == 0, err
        assert "the requester's process runs it" in err
        assert push.status == "completed"
        detail = await app.backend.call(lambda ws: ws.store.get_execution(push.execution_id))
        assert detail.execution.approved_by == "approver@noc"
        assert detail.execution.approval_comment == "ok from the other desk"
