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
from nocdeck.screens.sessions import (
    SessionOpener,
    SessionRecorded,
    SessionsScreen,
    SshCommands,
    ssh_to,
    terminal_opener,
)

if TYPE_CHECKING:
    from nocdeck.config import Settings


class NocdeckApp(App[int]):
    """Catalog, history and devices; forms, previews and pushes open over them."""

    TITLE = "nocdeck"
    DEFAULT_MODE = "catalog"
    COMMANDS = App.COMMANDS | {SshCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("f1", "switch_mode('catalog')", "Catalog", id="app.catalog"),
        Binding("f2", "switch_mode('history')", "History", id="app.history"),
        Binding("f3", "switch_mode('devices')", "Devices", id="app.devices"),
        Binding("f4", "switch_mode('approvals')", "Approvals", id="app.approvals"),
        Binding("f5", "switch_mode('sessions')", "Sessions", id="app.sessions"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        super().__init__()
        self.passphrase_source = DialogPassphraseSource(self)
        self.add_mode("history", lambda: HistoryScreen(backend))
        self.add_mode("devices", lambda: DevicesScreen(backend))
        self.add_mode("approvals", lambda: ApprovalsScreen(backend))
        self.add_mode("sessions", lambda: SessionsScreen(backend))
        self.open_session: SessionOpener = terminal_opener(self, backend)
        """Hands the terminal to a device session; tests replace it (no terminal headless)."""

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

    def action_ssh(self, device: str) -> None:
        """Open a recorded session on `device` (Devices' `s`, the palette's "ssh DEVICE")."""
        self.run_worker(self._ssh(device), group="ssh", exclusive=True, exit_on_error=False)

    async def _ssh(self, device: str) -> None:
        result = await ssh_to(self, self.backend, self.open_session, device)
        if result is not None:
            self.screen.post_message(SessionRecorded(result.session_id, result.device))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Catalog", "Browse workflows", lambda: self.switch_mode("catalog"))
        yield SystemCommand("History", "Past executions",
                            lambda: self.switch_mode("history"))
        yield SystemCommand("Devices", "The inventory, backups",
                            lambda: self.switch_mode("devices"))
        yield SystemCommand("Approvals", "Runs awaiting a decision",
                            lambda: self.switch_mode("approvals"))
        yield SystemCommand("Sessions", "Recorded SSH sessions, replay",
                            lambda: self.switch_mode("sessions"))


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
