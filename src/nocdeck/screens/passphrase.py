"""The vault passphrase dialog: the TUI's answer when a credential needs the vault.

The credential store asks from whichever thread resolves a `cred:NAME` (the engine's loop or
a provider's worker), never the UI's; a getpass prompt there would write over the screen, so
the app configures the store with this dialog and `interactive=False`. The store keeps the
vault unlocked once it opens, so the dialog is shown once per session. A cancel, a timeout
or a closed app answer None: the store raises VaultLocked, which the preview or push shows
against the device.
"""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

if TYPE_CHECKING:
    from textual.app import App

    from nocdeck.credentials.passphrase import PassphraseRequest

DIALOG_TIMEOUT = 300.0
"""Seconds the engine waits for an answer before it takes the vault as locked."""
DECLINED_GRACE = 2.0
"""After a cancel, requests within this many seconds are declined without a new dialog:
a run over 200 devices sharing the credential asks once, not 200 times."""


class PassphraseScreen(ModalScreen[str | None]):
    """A masked input (twice for a new vault); Enter unlocks, Esc cancels."""

    CSS_PATH = "passphrase.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="passphrase.cancel")]

    def __init__(self, request: PassphraseRequest) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        verb = "Choose a passphrase for the new" if self.request.creating else "Unlock the"
        with Vertical(id="passphrase-body"):
            yield Static(f"{verb} credential vault\n{self.request.vault}",
                         id="passphrase-title")
            yield Input(password=True, placeholder="passphrase", id="passphrase-input")
            if self.request.creating:
                yield Input(password=True, placeholder="repeat the passphrase",
                            id="passphrase-repeat")
            yield Static("Enter unlocks · Esc cancels", id="passphrase-error")

    def on_mount(self) -> None:
        self.query_one("#passphrase-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        first = self.query_one("#passphrase-input", Input).value
        error = self.query_one("#passphrase-error", Static)
        if not first.strip():
            error.update("an empty passphrase is not allowed")
            return
        if self.request.creating:
            repeat = self.query_one("#passphrase-repeat", Input)
            if event.input.id == "passphrase-input":
                repeat.focus()
                return
            if repeat.value != first:
                error.update("the two passphrases differ")
                return
        self.dismiss(first)

    def action_cancel(self) -> None:
        self.dismiss(None)


class DialogPassphraseSource:
    """A `PassphraseSource` that shows `PassphraseScreen` on the app and waits for it."""

    def __init__(self, app: App[Any], *, timeout: float = DIALOG_TIMEOUT) -> None:
        self.app = app
        self.timeout = timeout
        self._lock = threading.Lock()
        self._pending: Future[str | None] | None = None
        self._declined_at = float("-inf")

    def __call__(self, request: PassphraseRequest) -> str | None:
        if threading.get_ident() == self.app._thread_id:
            return None  # the UI thread cannot wait on its own dialog
        with self._lock:
            if time.monotonic() - self._declined_at < DECLINED_GRACE:
                return None
            answer: Future[str | None] = Future()
            self._pending = answer
            try:
                self.app.call_from_thread(self._show, request, answer)
                value = answer.result(timeout=self.timeout)
            except (RuntimeError, CancelledError, FutureTimeout):  # app closed; nobody answered
                value = None
                self._dismiss_late(answer)
            finally:
                self._pending = None
            if not value:
                self._declined_at = time.monotonic()
                self._tell_locked(request)
            return value or None

    def _show(self, request: PassphraseRequest, answer: Future[str | None]) -> None:
        def settle(value: str | None) -> None:
            if not answer.done():
                answer.set_result(value)

        self.app.push_screen(PassphraseScreen(request), callback=settle)

    def _dismiss_late(self, answer: Future[str | None]) -> None:
        if not answer.done():
            answer.set_result(None)

        def close() -> None:
            if isinstance(self.app.screen, PassphraseScreen):
                self.app.screen.dismiss(None)

        with contextlib.suppress(RuntimeError, CancelledError):
            self.app.call_from_thread(close)

    def _tell_locked(self, request: PassphraseRequest) -> None:
        with contextlib.suppress(RuntimeError, CancelledError):
            self.app.call_from_thread(
                self.app.notify,
                f"vault {request.vault} stays locked: no passphrase was given; the devices "
                f"that need it fail with 'vault is locked'",
                title="credentials", severity="error", timeout=15)

    def close(self) -> None:
        """Answer a dialog still open when the app exits, so no engine thread waits on it."""
        pending = self._pending
        if pending is not None and not pending.done():
            pending.set_result(None)
