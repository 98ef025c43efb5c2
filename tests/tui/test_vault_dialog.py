"""A device whose credential lives in the vault: the TUI asks for the passphrase in a dialog.

Given a lab device whose inventory entry says `credentials: cred:lab-admin`, stored in a
real (Argon2-encrypted) vault, when I preview a change on it, then a dialog asks for the
vault passphrase (never a prompt on the terminal behind the app), the plan reads the device
once it is given, and a second plan does not ask again. Cancelling says the vault stays
locked, and the device fails with that reason; nothing hangs.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from nocdeck.app import NocdeckApp, create_app
from nocdeck.catalog import load_catalog
from nocdeck.config import Settings
from nocdeck.credentials import LAB_ENABLE_SECRET, LAB_PASSWORD, LAB_USERNAME
from nocdeck.credentials.store import CredentialStore
from nocdeck.inventory import Inventory
from nocdeck.lab import LabSpec, run_lab
from nocdeck.screens.form import FormScreen
from nocdeck.screens.passphrase import PassphraseScreen
from nocdeck.screens.preview import PreviewScreen
from nocdeck.store import Store
from nocdeck.workspace import Workspace
from tests.tui.conftest import wait_for

pytestmark = pytest.mark.timeout(90)
PASSPHRASE = "tui vault passphrase 7"


def vault_with_lab_admin(tmp_path: Path) -> Path:
    """A real vault holding the lab's login under the name `lab-admin`."""
    vault = tmp_path / "secrets" / "vault.cfg"
    vault.parent.mkdir()
    passphrase_file = tmp_path / "passphrase"
    passphrase_file.write_text(PASSPHRASE + "\n")
    passphrase_file.chmod(0o600)
    store = CredentialStore(vault_path=vault, passphrase_file=passphrase_file)
    store.set("lab-admin", username=LAB_USERNAME, password=LAB_PASSWORD,
              enable_secret=LAB_ENABLE_SECRET, backend="vault")
    passphrase_file.unlink()  # the app must ask, not find it
    return vault


def lab_with_vault_device(tmp_path: Path
                          ) -> Callable[[Settings], AbstractAsyncContextManager[Workspace]]:
    @asynccontextmanager
    async def opener(settings: Settings) -> AsyncIterator[Workspace]:
        async with run_lab(LabSpec(devices=1)) as lab:
            devices = [d.model_copy(update={"credentials": "cred:lab-admin"})
                       for d in lab.inventory()]
            store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/s.db")
            try:
                yield Workspace(settings, store, load_catalog(settings),
                                Inventory(devices, source="lab"))
            finally:
                await store.close()

    return opener


async def preview_description(pilot: object, app: NocdeckApp, text: str) -> PreviewScreen:
    catalog = app.screen
    await wait_for(pilot, lambda: catalog.catalog is not None, what="the catalog")  # type: ignore[arg-type,attr-defined]
    await pilot.press("slash", *"descr", "enter", "enter")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="the form")  # type: ignore[arg-type]
    form = app.screen
    await pilot.press(*"r1", "tab")  # type: ignore[attr-defined]
    interface = form.query_one("#input-interface")
    interface.value = interface._options[2][1]  # type: ignore[attr-defined]
    form.query_one("#input-description", Input).value = text
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, (PreviewScreen, PassphraseScreen)),  # type: ignore[arg-type]
                   what="the preview")
    return next(s for s in app.screen_stack if isinstance(s, PreviewScreen))


def settings_for(tmp_path: Path, vault: Path) -> Settings:
    return Settings(vault_path=str(vault), user="op@noc",
                    store_url=f"sqlite+aiosqlite:///{tmp_path}/s.db")


async def test_the_vault_passphrase_is_asked_once_in_a_dialog(tmp_path: Path) -> None:
    vault = vault_with_lab_admin(tmp_path)
    app = create_app(settings_for(tmp_path, vault), workspace=lab_with_vault_device(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        preview = await preview_description(pilot, app, "from the vault")
        await wait_for(pilot, lambda: isinstance(app.screen, PassphraseScreen),
                       what="the passphrase dialog")
        assert str(vault) in str(app.screen.query_one("#passphrase-title", Static).render())
        await pilot.press("enter")  # empty: refused in the dialog
        assert "empty passphrase" in str(app.screen.query_one("#passphrase-error",
                                                              Static).render())
        await pilot.press(*PASSPHRASE, "enter")
        await wait_for(pilot, lambda: preview.planned is not None, timeout=40, what="the plan")
        device = preview.planned.device("r1")  # type: ignore[union-attr]
        assert device.status != "failed", device.error
        assert device.changed and any("from the vault" in line
                                      for line in device.lines_to_push)

        # A second plan in the same session reads the device without asking again.
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="the form")
        app.screen.query_one("#input-description", Input).value = "again"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PreviewScreen), what="preview")
        again = app.screen
        assert isinstance(again, PreviewScreen)
        await wait_for(pilot, lambda: again.planned is not None, timeout=40, what="the plan")
        assert not isinstance(app.screen, PassphraseScreen)
        assert again.planned.device("r1").status != "failed"  # type: ignore[union-attr]
    assert PASSPHRASE not in (tmp_path / "s.db").read_bytes().decode("latin-1")


async def test_cancelling_the_dialog_leaves_the_vault_locked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_terminal_prompt(*_args: object) -> str:
        raise AssertionError("the vault prompted on the terminal behind the app")

    monkeypatch.setattr("getpass.getpass", no_terminal_prompt)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    vault = vault_with_lab_admin(tmp_path)
    app = create_app(settings_for(tmp_path, vault), workspace=lab_with_vault_device(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        preview = await preview_description(pilot, app, "never pushed")
        await wait_for(pilot, lambda: isinstance(app.screen, PassphraseScreen),
                       what="the passphrase dialog")
        await pilot.press("escape")
        await wait_for(pilot, lambda: preview.planned is not None, timeout=30, what="the plan")
        device = preview.planned.device("r1")  # type: ignore[union-attr]
        assert device.status == "failed"
        assert "r1" in (device.error or "") and "locked" in (device.error or "")
        await wait_for(pilot, lambda: any("stays locked" in str(n.message)
                                          for n in app._notifications),
                       what="the notification")
        assert isinstance(app.screen, PreviewScreen)
