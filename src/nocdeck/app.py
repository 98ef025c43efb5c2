"""The Textual app: wiring only. Screens get the Backend; the Backend gets the workspace.

`create_app(settings)` is what `nocdeck` runs and what the tests drive; a test can pass
`workspace=` to open its own lab and store. The top-level sections (catalog, history,
devices) are MODES, each reachable from the footer and the command palette.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from nocdeck.screens.approvals import ApprovalsScreen
from nocdeck.screens.backend import Backend, WorkspaceOpener
from nocdeck.screens.catalog import CatalogScreen
from nocdeck.screens.devices import DevicesScreen
from nocdeck.screens.help import HelpScreen, bindings_markdown
from nocdeck.screens.history import HistoryScreen
from nocdeck.screens.passphrase import DialogPassphraseSource

if TYPE_CHECKING:
    from nocdeck.config import Settings


class NocdeckApp(App[int]):
    """Catalog, history and devices; forms, previews and pushes open over them."""

    TITLE = "nocdeck"
    DEFAULT_MODE = "catalog"
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("f1", "switch_mode('catalog')", "Catalog", id="app.catalog"),
        Binding("f2", "switch_mode('history')", "History", id="app.history"),
        Binding("f3", "switch_mode('devices')", "Devices", id="app.devices"),
        Binding("f4", "switch_mode('approvals')", "Approvals", id="app.approvals"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        super().__init__()
        self.passphrase_source = DialogPassphraseSource(self)
        self.add_mode("history", lambda: HistoryScreen(backend))
        self.add_mode("devices", lambda: DevicesScreen(backend))
        self.add_mode("approvals", lambda: ApprovalsScreen(backend))

    def get_default_screen(self) -> Screen[None]:
        return CatalogScreen(self.backend)

    def on_mount(self) -> None:
        # Open the workspace (catalog, lab, store) once the first frame is out: importing
        # and starting them competes with the first paint for the GIL.
        self.call_after_refresh(self.start_engine)

    def start_engine(self) -> None:
        from nocdeck.credentials.store import configure_session

        # The vault asks through a dialog, never a prompt on the terminal behind the app.
        configure_session(self.backend.settings, passphrase_source=self.passphrase_source,
                          interactive=False)
        self.backend.start()

    def on_unmount(self) -> None:
        self.passphrase_source.close()
        self.backend.stop()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(bindings_markdown(self.screen)))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Catalog", "Browse workflows", lambda: self.switch_mode("catalog"))
        yield SystemCommand("History", "Past executions",
                            lambda: self.switch_mode("history"))
        yield SystemCommand("Devices", "The inventory, backups",
                            lambda: self.switch_mode("devices"))
        yield SystemCommand("Approvals", "Runs awaiting a decision",
                            lambda: self.switch_mode("approvals"))


def create_app(settings: Settings, *, workspace: WorkspaceOpener | None = None) -> NocdeckApp:
    """The app for these settings; it opens the workspace in the background once painted."""
    return NocdeckApp(Backend(settings, opener=workspace))


def run_tui(settings: Settings) -> int:
    """Run the app in this terminal until the user quits; the exit code for the CLI."""
    app = create_app(settings)
    try:
        code = app.run()
    finally:
        app.backend.stop()
    return code or 0
