"""The Catalog lists tasks beside the workflows: filter to one, read how it is implemented."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Markdown, OptionList

from nocdeck.app import create_app
from nocdeck.config import Settings
from nocdeck.screens.catalog import TASK_PREFIX, CatalogScreen
from tests.tui.conftest import static_opener, wait_for

pytestmark = pytest.mark.timeout(60)


async def test_a_task_is_found_by_the_filter_and_described(tmp_path: Path) -> None:
    app = create_app(Settings(), workspace=static_opener(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, CatalogScreen)
        await wait_for(pilot, lambda: screen.catalog is not None, what="the catalog")
        await pilot.press("slash", *"ntp servers", "enter")
        await pilot.pause()
        options = screen.query_one("#catalog-list", OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert f"{TASK_PREFIX}set-ntp-servers" in ids
        options.highlighted = ids.index(f"{TASK_PREFIX}set-ntp-servers")
        await pilot.pause()
        doc = screen.query_one("#catalog-doc", Markdown)
        await wait_for(pilot, lambda: "Implementations" in doc.source, what="the task doc")
        assert "cisco_ios" in doc.source and "juniper_junos" in doc.source
        assert "Set NTP servers" in doc.source.split("## Run it through a workflow")[1]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CatalogScreen)  # a task alone opens no form
