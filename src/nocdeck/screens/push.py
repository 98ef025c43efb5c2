"""Push: the live run, one row per device, the selected device's dialogue as it streams.

The runner executes on the engine thread; its events land in an EventBuffer that the screen
drains 20 times a second (no Textual message per event), so 200 devices streaming thousands
of lines never starve the keyboard: a drain repaints only the device lines that changed
(DeviceTable, Line API) and appends the selected device's new lines to the log once. `p`
pauses new devices after the canary (the first device), `a` aborts: no new device starts,
running ones finish or roll back as the workflow says.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Label, Log, ProgressBar, Static

from nocdeck.screens.widgets.devicetable import DIALOGUE_KEPT, DeviceRow, DeviceTable
from nocdeck.screens.widgets.eventbuffer import EventBuffer

if TYPE_CHECKING:
    from nocdeck.engine.events import EngineEvent
    from nocdeck.engine.runmodel import CancelToken
    from nocdeck.screens.backend import Backend
    from nocdeck.screens.planning import PlannedRequest, RequestDraft
    from nocdeck.screens.preview import PreviewScreen

__all__ = ["DIALOGUE_KEPT", "DeviceRow", "PushScreen", "start_push"]

DIALOGUE_SHOWN = 300
"""Lines of a device's backlog written when it is selected (a cursor move stays instant)."""
FINISHED = {"completed", "no_change", "failed", "rolled_back", "cancelled", "skipped"}


class CanaryQuestion(ModalScreen[bool]):
    """Asked after the canary: change the others, or stop here."""

    DEFAULT_CSS = """
    CanaryQuestion { align: center middle; }
    CanaryQuestion > Vertical { width: 60; height: auto; border: round $warning;
                                background: $surface; padding: 1 2; }
    """
    BINDINGS = [Binding("y", "answer(True)", "Go on", id="canary.yes"),
                Binding("n,escape", "answer(False)", "Stop", id="canary.no")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            with Horizontal():
                yield Button("Go on (y)", id="canary-yes", variant="success")
                yield Button("Stop (n)", id="canary-no", variant="error")

    def action_answer(self, go: bool) -> None:
        self.dismiss(go)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "canary-yes")


class PushScreen(Screen[None]):
    CSS_PATH = "push.tcss"
    BINDINGS = [
        Binding("a", "abort", "Abort", id="push.abort"),
        Binding("p", "pause", "Pause after canary", id="push.pause"),
        Binding("h", "history", "History", id="push.history"),
        Binding("escape", "leave", "Back", id="push.back"),
    ]

    def __init__(self, backend: Backend, draft: RequestDraft, devices: list[str]) -> None:
        super().__init__()
        self.backend = backend
        self.draft = draft
        self.rows = {name: DeviceRow(name) for name in devices}
        self.buffer = EventBuffer()
        self.execution_id = ""
        self.status = "planning"
        self.cancel_token: CancelToken | None = None
        self.pause_after_canary = False
        self.selected: str | None = devices[0] if devices else None
        self.finished = False
        self._shown_status = ""
        self._shown_done = -1

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("starting…", id="push-status")
        yield ProgressBar(total=max(len(self.rows), 1), id="push-progress", show_eta=False)
        with Horizontal():
            yield DeviceTable(list(self.rows.values()), id="push-devices")
            yield Log(id="push-dialogue", max_lines=DIALOGUE_KEPT)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "push"
        self.query_one(DeviceTable).focus()
        self.set_interval(1 / 20, self.drain)
        self.set_interval(1.0, self.refresh_elapsed)
        self.execute()

    # ------------------------------------------------------------------ the run

    @work(group="push", exit_on_error=False)
    async def execute(self) -> None:
        from nocdeck.engine.run import prepare_run, submit_run
        from nocdeck.engine.runmodel import CancelToken, RunOptions, RunRequest

        draft, sink = self.draft, self.buffer
        request = RunRequest(draft.workflow, dict(draft.inputs),
                             requested_by=self.backend.settings.user, ticket=draft.ticket,
                             reason=draft.reason,
                             options=RunOptions(canary=1 if len(self.rows) > 1 else 0))

        async def go(ws: object) -> object:
            from nocdeck.workspace import Workspace

            assert isinstance(ws, Workspace)
            self.cancel_token = CancelToken()
            prepared = await prepare_run(request, catalog=ws.need_catalog(),
                                         inventory=ws.need_inventory(), store=ws.store,
                                         settings=ws.settings, sink=sink)
            self.execution_id = prepared.execution_id
            return await submit_run(prepared.execution_id, catalog=ws.need_catalog(),
                                    inventory=ws.need_inventory(), store=ws.store,
                                    settings=ws.settings, sink=sink, wait=True,
                                    cancel=self.cancel_token, confirm_canary=self.confirm_canary)

        try:
            result = await self.backend.call(go)
        except Exception as exc:  # a NocdeckError: bad request, device, store
            self.status = "failed"
            self.query_one("#push-status", Static).update(f"[b red]push failed:[/] {exc}")
            self.notify(str(exc), title="push", severity="error", timeout=20)
            self.finished = True
            return
        self.drain()
        self.refresh_rows(set(self.rows))
        status = getattr(result, "status", "?")
        error = getattr(result, "error", None)
        self.status = status
        self.finished = True
        colour = "green" if status == "completed" else "red"
        self.query_one("#push-status", Static).update(
            f"[b {colour}]{status}[/] · {self.execution_id}" + (f" · {error}" if error else "")
            + "  (h: history)")
        self.notify(f"run {self.execution_id}: {status}",
                    severity="information" if status == "completed" else "error")

    async def confirm_canary(self, question: str) -> bool:
        """Called on the engine loop after the canary; the answer comes from the UI."""
        if not self.pause_after_canary:
            return True
        answer: Future[bool] = Future()

        def answered(go: bool | None) -> None:
            answer.set_result(bool(go))

        def ask() -> None:
            self.app.push_screen(CanaryQuestion(question), callback=answered)

        self.app.call_from_thread(ask)
        return await asyncio.wrap_future(answer)

    # ------------------------------------------------------------------ events

    def drain(self) -> None:
        """Apply every event since the last frame in one go; touch only the rows that moved."""
        events = self.buffer.drain()
        if not events:
            return
        shown: list[str] = []
        dirty: set[str] = set()
        for event in events:
            self.apply(event, shown, dirty)
        if shown:
            self.query_one(Log).write_lines(shown[-DIALOGUE_SHOWN:])
        self.refresh_rows(dirty)

    def apply(self, event: EngineEvent, shown: list[str], dirty: set[str]) -> None:
        from nocdeck.engine import events as ev

        now = time.monotonic()
        if event.execution_id and not self.execution_id:
            self.execution_id = event.execution_id
        row = self.rows.get(event.device or "")
        if isinstance(event, ev.ApprovalNeeded):
            self.status = "awaiting_approval"
        elif isinstance(event, ev.RunStarted) and event.kind == "run":
            self.status = "running"
        elif isinstance(event, ev.CanaryDone):
            self.status = "canary done"
        elif isinstance(event, ev.DeviceStatusChanged) and row is not None:
            dirty.add(row.name)
            row.status = event.status
            if event.status == "running" and row.started is None:
                row.started = now
            if event.status in FINISHED:
                row.ended = now
        elif isinstance(event, ev.StepStarted) and row is not None:
            dirty.add(row.name)
            row.step = event.step
        elif isinstance(event, ev.LogLine):
            arrow = {"sent": "» ", "received": "", "info": "· "}[event.direction]
            # received output comes a read at a time: several lines in one event
            lines = [f"{arrow}{text}" for text in event.text.split("\n")] \
                if "\n" in event.text else [f"{arrow}{event.text}"]
            if row is not None:
                row.dialogue.extend(lines)
                if event.device == self.selected:
                    shown.extend(lines)
            elif event.device is None:
                shown.extend(lines)

    def refresh_rows(self, names: set[str]) -> None:
        """Repaint the changed device lines; the bar and the status line only if they moved
        (a Static update re-lays the screen out)."""
        self.query_one(DeviceTable).refresh_rows(names)
        done = sum(1 for r in self.rows.values() if r.status in FINISHED)
        if done != self._shown_done:
            self._shown_done = done
            self.query_one(ProgressBar).update(progress=done)
        if not self.finished:
            waiting = (" — waiting for approval: an approver opens F4 Approvals "
                       f"(or nocdeck approve {self.execution_id})"
                       if self.status == "awaiting_approval" else "")
            text = (f"[b]{self.status}[/] · {self.execution_id or '…'} · {done}/{len(self.rows)} "
                    f"devices done{waiting}")
            if text != self._shown_status:
                self._shown_status = text
                self.query_one("#push-status", Static).update(text)

    def refresh_elapsed(self) -> None:
        """Once a second: the elapsed time of the devices on screen still being changed."""
        table = self.query_one(DeviceTable)
        running = [r.name for r in table.visible_rows() if r.started and not r.ended]
        if running:
            table.refresh_rows(running)

    @on(DeviceTable.Highlighted, "#push-devices")
    def device_highlighted(self, event: DeviceTable.Highlighted) -> None:
        name = event.name
        if name == self.selected and self.query_one(Log).line_count:
            return
        self.selected = name
        log = self.query_one(Log)
        log.clear()
        backlog = self.rows[name].dialogue
        log.write_lines(list(backlog)[-DIALOGUE_SHOWN:])

    # ------------------------------------------------------------------ actions

    def action_abort(self) -> None:
        token = self.cancel_token
        if token is None or self.finished:
            self.notify("nothing running to abort")
            return
        self.backend.call_soon(lambda: token.cancel("aborted from the TUI"))
        self.notify("aborting: no new device starts; running ones finish or roll back",
                    severity="warning")

    def action_pause(self) -> None:
        self.pause_after_canary = not self.pause_after_canary
        self.notify("will ask after the canary device" if self.pause_after_canary
                    else "will not pause after the canary")

    def action_history(self) -> None:
        self.app.switch_mode("history")

    def action_leave(self) -> None:
        if not self.finished:
            self.notify("the run goes on; abort with a, or wait for it to finish",
                        severity="warning")
            return
        self.app.pop_screen()


def start_push(preview: PreviewScreen, planned: PlannedRequest) -> None:
    """Open the push screen for what the preview planned (it plans again, fresh, to run)."""
    devices = [d.name for d in planned.result.devices]
    preview.app.push_screen(PushScreen(preview.backend, preview.draft, devices))
