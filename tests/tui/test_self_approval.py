"""Approving your own run follows the settings, as `nocdeck approve` does.

Given a run requested by op@noc awaiting approval, when op@noc approves it in the TUI with
the default settings, then a notification says another operator must approve and the run
still waits; with `allow_self_approval` set, the same approval goes through.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from nocdeck.app import create_app
from nocdeck.catalog import load_catalog
from nocdeck.config import Settings
from nocdeck.screens.approvals import ApprovalsScreen, DecisionScreen
from nocdeck.store import ExecutionRecord, Store
from tests.tui.conftest import static_opener, wait_for

pytestmark = pytest.mark.timeout(60)


async def waiting_run(tmp_path: Path) -> str:
    async with await Store.open(f"sqlite+aiosqlite:///{tmp_path}/static.db") as store:
        record = await store.create_execution(
            kind="run", workflow="vlan-add", requested_by="op@noc", inputs={}, devices=["r1"],
            catalog_revision=load_catalog(Settings()).revision)
        await store.set_status(record.id, "awaiting_approval")
        return record.id


async def approve_own_run(tmp_path: Path, settings: Settings
                          ) -> tuple[ExecutionRecord, list[str]]:
    execution_id = await waiting_run(tmp_path)
    app = create_app(settings, workspace=static_opener(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ApprovalsScreen)
                       and bool(app.screen.records), what="the waiting run")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DecisionScreen), what="decision")
        app.screen.query_one("#decision-comment", Input).value = "mine"
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: len(app._notifications) > 0, what="the outcome")
        await pilot.pause(0.2)
        detail = await app.backend.call(lambda ws: ws.store.get_execution(execution_id))
        return detail.execution, [str(n.message) for n in app._notifications]


async def test_self_approval_is_refused_by_default(tmp_path: Path) -> None:
    record, said = await approve_own_run(tmp_path, Settings(user="op@noc"))
    assert (record.status, record.approved_by) == ("awaiting_approval", None)
    assert any("another operator must approve it (self-approval is off)" in s for s in said)


async def test_self_approval_allowed_by_the_settings(tmp_path: Path) -> None:
    record, said = await approve_own_run(tmp_path, Settings(user="op@noc",
                                                            allow_self_approval=True))
    assert not any("self-approval is off" in s for s in said), said
    assert record.approved_by == "op@noc" and record.status != "awaiting_approval"
