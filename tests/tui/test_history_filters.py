"""History filters: by workflow, device, status, user and date, a page of the store at a time.

Given a store with 130 runs by three people over three days, when I type
`user=alice* since=2026-11-23 until=2026-11-23` in the History filter, then only Alice's
runs of that day are listed, newest first, 50 a page, and `]` pages on within the filter. A
filter word the screen cannot read is named in a notification, and the list is kept.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import Input

from nocdeck.app import create_app
from nocdeck.config import Settings
from nocdeck.screens.history import PAGE, HistoryScreen
from nocdeck.store import Store
from tests.tui.conftest import static_opener, wait_for

pytestmark = pytest.mark.timeout(60)
START = dt.datetime(2026, 11, 22, 0, 30, tzinfo=dt.UTC)
PEOPLE = ("alice@jump1", "bob@jump2", "Alice@jump3")


async def record_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """130 runs, one every 33 minutes from 2026-11-22 00:30 UTC; ids oldest first."""
    ids = []
    async with await Store.open(f"sqlite+aiosqlite:///{tmp_path}/static.db") as store:
        for n in range(130):
            monkeypatch.setattr("nocdeck.store.executions.utcnow",
                                lambda n=n: START + dt.timedelta(minutes=33 * n))
            record = await store.create_execution(
                kind="run", workflow="vlan-add" if n % 2 else "interface-description",
                requested_by=PEOPLE[n % 3], inputs={}, devices=[f"r{n % 3 + 1}"])
            ids.append(record.id)
    monkeypatch.undo()
    return ids


def expected(ids: list[str], keep: object) -> list[str]:
    chosen = [ids[n] for n in range(len(ids)) if keep(n)]  # type: ignore[operator]
    return list(reversed(chosen))


async def test_history_filters_by_user_and_day_and_pages(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = await record_history(tmp_path, monkeypatch)
    app = create_app(Settings(), workspace=static_opener(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen)
                       and len(app.screen.records) == PAGE, what="the first page")
        history = app.screen
        assert isinstance(history, HistoryScreen)
        assert [r.id for r in history.records] == list(reversed(ids))[:PAGE]

        day = dt.date(2026, 11, 23)

        def alice_that_day(n: int) -> bool:
            when = START + dt.timedelta(minutes=33 * n)
            return n % 3 != 1 and when.date() == day

        wanted = expected(ids, alice_that_day)
        assert len(wanted) == 29
        await pilot.press("slash")
        history.query_one("#history-filter", Input).value = (
            "user=alice* since=2026-11-23 until=2026-11-23")
        await pilot.press("enter")
        await wait_for(pilot, lambda: [r.id for r in history.records] == wanted,
                       what="Alice's runs of 2026-11-23")

        history.query_one("#history-filter", Input).value = "workflow=vlan-add device=r2"
        await history.query_one("#history-filter", Input).action_submit()
        vlan_on_r2 = expected(ids, lambda n: n % 2 == 1 and n % 3 == 1)
        await wait_for(pilot, lambda: [r.id for r in history.records] == vlan_on_r2,
                       what="vlan-add runs on r2")

        history.query_one("#history-filter", Input).value = "user=*@jump*"
        await history.query_one("#history-filter", Input).action_submit()
        await wait_for(pilot, lambda: history.records and history.records[0].id == ids[-1],
                       what="everyone's runs")
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: history.page == 1 and history.records
                       and history.records[0].id == ids[-1 - PAGE], what="the second page")
        assert [r.id for r in history.records] == list(reversed(ids))[PAGE:2 * PAGE]

        history.query_one("#history-filter", Input).value = "since=yesterday"
        await history.query_one("#history-filter", Input).action_submit()
        await wait_for(pilot, lambda: any("since=" in str(n.message) and "'yesterday'"
                                          in str(n.message) for n in app._notifications),
                       what="the bad filter named")
        assert history.filters == {"user": "*@jump*"}, "a bad filter keeps the last good one"
        assert len(history.records) == PAGE
