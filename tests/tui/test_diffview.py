"""The diff view on a 100,000-line config: only visible rows are built, so a page is instant."""

from __future__ import annotations

import time

import pytest
from textual.app import App, ComposeResult

from nocdeck.engine.diff import diff_lines
from nocdeck.redaction import GLOBAL_REDACTOR
from nocdeck.screens.widgets.diffview import DiffView

pytestmark = pytest.mark.timeout(60)


class BigDiff(App[None]):
    def compose(self) -> ComposeResult:
        yield DiffView(id="diff")


def big_configs(lines: int = 100_000) -> tuple[list[str], list[str]]:
    running = []
    for n in range(lines // 4):
        running += [f"interface Ethernet{n}", f" description port {n}", " no shutdown", "!"]
    intended = list(running)
    for n in range(0, len(intended), 5_000):
        intended[n + 1] = intended[n + 1] + " - moved"
    return running, intended


async def test_a_100000_line_diff_scrolls_a_page_at_a_time_fast() -> None:
    running, intended = big_configs()
    diff = diff_lines(running, intended).masked(GLOBAL_REDACTOR)
    app = BigDiff()
    async with app.run_test(size=(160, 48)) as pilot:
        view = app.query_one(DiffView)
        view.show(diff)
        view.focus()
        await pilot.pause()
        assert any("unchanged lines" in view.render_line(y).text for y in range(10))
        view.rows = diff.side_by_side(fold=False)  # the worst case: every line a row
        view._resize()
        await pilot.pause()
        assert view.virtual_size.height == 100_000
        worst = 0.0
        for _ in range(20):
            await pilot.press("pagedown")
            start = time.perf_counter()
            page = [view.render_line(y).text for y in range(view.size.height)]
            worst = max(worst, time.perf_counter() - start)
        assert any("description port" in line for line in page)
        assert worst < 0.2, f"a page took {worst * 1000:.1f} ms to render"
        await pilot.press("end")
        await pilot.pause()
        last = [view.render_line(y).text for y in range(view.size.height)]
        assert any("100000" in line for line in last)
        await pilot.press("n")  # next change jumps from anywhere
