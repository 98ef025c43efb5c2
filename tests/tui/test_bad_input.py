"""Bad input in the TUI: each is said inline or in a notification, never a traceback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from nocdeck.app import create_app
from nocdeck.catalog import load_catalog
from nocdeck.config import Settings
from nocdeck.lab import DeviceFaults, LabSpec, run_lab
from nocdeck.screens.catalog import CatalogScreen
from nocdeck.screens.form import FormScreen
from nocdeck.screens.preview import PreviewScreen
from nocdeck.screens.push import PushScreen
from nocdeck.store import Store
from nocdeck.workspace import Workspace
from tests.tui.conftest import static_opener, wait_for

pytestmark = pytest.mark.timeout(60)


def text(widget: Static) -> str:
    return str(widget.render())


async def open_form(pilot: object, app: object, query: str) -> FormScreen:
    catalog = app.screen  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: catalog.catalog is not None, what="the catalog")  # type: ignore[arg-type]
    await pilot.press("slash", *query, "enter", "enter")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="the form")  # type: ignore[arg-type,attr-defined]
    return app.screen  # type: ignore[attr-defined,no-any-return]


async def test_unknown_device_is_flagged_and_nothing_is_planned(tmp_path: Path) -> None:
    app = create_app(Settings(), workspace=static_opener(tmp_path, count=3000))
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, "descr")
        await pilot.press(*"sw-0299")
        await pilot.pause(0.1)
        device = form.field("device")
        assert device is not None
        assert "did you mean sw-02990, sw-02991" in text(device.query_one(".field-error",
                                                                          Static))
        await pilot.press("right", "tab")  # accept the completion out of 3,000 devices
        assert device.value == "sw-02990"
        assert text(device.query_one(".field-error", Static)) == ""
        form.query_one("#input-device", Input).value = "core-9"
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert "unknown device 'core-9'" in text(device.query_one(".field-error", Static))
        assert "to correct" in text(form.query_one("#form-error", Static))
        assert isinstance(app.screen, FormScreen)


async def test_interface_choices_follow_the_device(tmp_path: Path) -> None:
    app = create_app(Settings(), workspace=static_opener(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, "descr")
        interface = form.field("interface")
        assert interface is not None and interface.device is None
        await pilot.press(*"r2", "tab")
        assert interface.device is not None and interface.device.name == "r2"
        options = interface.query_one("#input-interface")._options  # type: ignore[attr-defined]
        assert [value for _, value in options[1:]] == [f"GigabitEthernet1/0/{i}"
                                                       for i in range(1, 5)]


async def test_a_broken_catalog_is_named_with_its_file(tmp_path: Path) -> None:
    broken = tmp_path / "catalog" / "workflows"
    broken.mkdir(parents=True)
    (broken / "bad.yaml").write_text("kind: workflow\nslug: bad\nname: Bad\nsteps: []\n")
    settings = Settings(catalog=[str(tmp_path / "catalog")], lab=False,
                        store_url=f"sqlite+aiosqlite:///{tmp_path}/s.db")
    app = create_app(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.screen.query_one("#catalog-status", Static)
        await wait_for(pilot, lambda: "cannot open" in text(status), what="the error")
        assert "problem" in text(status)
        assert isinstance(app.screen, CatalogScreen)


async def test_an_unreachable_store_is_a_notification(tmp_path: Path) -> None:
    @asynccontextmanager
    async def opener(settings: Settings) -> AsyncIterator[Workspace]:
        store = await Store.open("postgresql+asyncpg://postgres@127.0.0.1:9/none")
        yield Workspace(settings, store, load_catalog(settings), None)

    app = create_app(Settings(), workspace=opener)
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.screen.query_one("#catalog-status", Static)
        await wait_for(pilot, lambda: "cannot open" in text(status), what="the error")
        assert "127.0.0.1:9" in text(status) or "store" in text(status).lower()


async def test_a_device_rejecting_the_change_fails_the_push_cleanly(tmp_path: Path) -> None:
    @asynccontextmanager
    async def opener(settings: Settings) -> AsyncIterator[Workspace]:
        spec = LabSpec(devices=1, faults={"r1": DeviceFaults(reject_pattern="description")})
        async with run_lab(spec) as lab:
            store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/s.db")
            try:
                yield Workspace(settings, store, load_catalog(settings), lab.inventory())
            finally:
                await store.close()

    app = create_app(Settings(user="op@noc"), workspace=opener)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, app, "descr")
        await pilot.press(*"r1", "tab")
        interface = form.query_one("#input-interface")
        interface.value = interface._options[2][1]  # type: ignore[attr-defined]
        form.query_one("#input-description", Input).value = "refused by the device"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen), what="preview")
        preview = app.screen
        await wait_for(pilot, lambda: preview.planned is not None, what="the plan")  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PushScreen), what="push")
        push = app.screen
        assert isinstance(push, PushScreen)
        await wait_for(pilot, lambda: push.finished, timeout=40, what="the push to end")
        assert push.status == "failed"
        assert push.rows["r1"].status in ("failed", "rolled_back")
        assert "failed" in text(push.query_one("#push-status", Static))
