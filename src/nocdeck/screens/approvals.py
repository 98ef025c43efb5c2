"""Approvals: runs awaiting a decision; open one to see its diff and approve or reject.

An approval moves the run to `pending`; the requester's process (still waiting, polling
the store) executes it. When nobody waits any more, this process executes it, as
`nocdeck approve` does. Self-approval is off unless the settings allow it
(`allow_self_approval` in the config file, or NOCDECK_ALLOW_SELF_APPROVAL=1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from nocdeck.screens.execution import show_execution

if TYPE_CHECKING:
    from nocdeck.screens.backend import Backend
    from nocdeck.store import ExecutionRecord

class ApprovalsScreen(Screen[None]):
    CSS_PATH = "approvals.tcss"
    BINDINGS = [
        Binding("r", "reload", "Refresh", id="approvals.refresh"),
        Binding("enter", "open", "Open", id="approvals.open", show=False),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend
        self.records: list[ExecutionRecord] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="approvals-table", cursor_type="row")
        yield Static("", id="approvals-status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "pending approvals"
        self.query_one(DataTable).add_columns("id", "workflow", "requested by", "ticket",
                                              "devices")
        self.query_one(DataTable).focus()
        self.set_interval(2.0, self.action_reload)
        self.action_reload()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    @work(exclusive=True, group="approvals", exit_on_error=False)
    async def load(self) -> None:
        status = self.query_one("#approvals-status", Static)
        try:
            records = await self.backend.call(lambda ws: ws.store.list_executions(
                status="awaiting_approval", kind="run", limit=100))
        except Exception as exc:
            status.update(f"cannot read the store: {exc}")
            return
        if [r.id for r in records] == [r.id for r in self.records]:
            return
        self.records = records
        table = self.query_one(DataTable)
        table.clear()
        for record in records:
            table.add_row(record.id, record.workflow, record.requested_by, record.ticket or "-",
                          ", ".join(d.name for d in record.devices), key=record.id)
        status.update(f"{len(records)} awaiting approval" if records
                      else "nothing awaits approval")

    @on(DataTable.RowSelected, "#approvals-table")
    def selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.app.push_screen(DecisionScreen(self.backend, event.row_key.value))

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if 0 <= table.cursor_row < len(self.records):
            self.app.push_screen(DecisionScreen(self.backend, self.records[table.cursor_row].id))


class DecisionScreen(Screen[None]):
    """The same diff the requester saw; `ctrl+a` approves, `ctrl+r` rejects (with a reason)."""

    CSS_PATH = "approvals.tcss"
    BINDINGS = [
        Binding("ctrl+a", "approve", "Approve", id="decision.approve"),
        Binding("ctrl+r", "reject", "Reject", id="decision.reject"),
        Binding("escape", "app.pop_screen", "Back", id="decision.back"),
    ]

    def __init__(self, backend: Backend, execution_id: str) -> None:
        super().__init__()
        self.backend = backend
        self.execution_id = execution_id

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="decision-body"):
            yield Static(f"loading {self.execution_id}…", id="decision-text")
        yield Input(placeholder="comment (approve) or reason (reject: required)",
                    id="decision-comment")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"decide {self.execution_id}"
        self.load()

    @work(exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        await show_execution(self.backend, self.execution_id,
                             self.query_one("#decision-text", Static))

    def action_approve(self) -> None:
        self.decide(True)

    def action_reject(self) -> None:
        self.decide(False)

    @work(exclusive=True, group="decide", exit_on_error=False)
    async def decide(self, approve: bool) -> None:
        from nocdeck.engine import approvals
        from nocdeck.engine.run import execute_approved

        comment = self.query_one("#decision-comment", Input).value.strip()
        settings = self.backend.settings
        execution_id = self.execution_id
        allow_self = settings.allow_self_approval

        async def go(ws: object) -> str:
            from nocdeck.workspace import Workspace

            assert isinstance(ws, Workspace)
            if not approve:
                await approvals.reject(ws.store, execution_id, by=settings.user,
                                       reason=comment)
                return "rejected"
            decision = await approvals.approve(ws.store, execution_id, by=settings.user,
                                               comment=comment, catalog=ws.need_catalog(),
                                               allow_self=allow_self)
            if decision.requester_waiting:
                return "approved: the requester's screen runs it now"
            result = await execute_approved(execution_id, catalog=ws.need_catalog(),
                                            inventory=ws.need_inventory(), store=ws.store,
                                            settings=settings, grace=0.0)
            return f"approved and run here: {result.status}"

        try:
            outcome = await self.backend.call(go)
        except Exception as exc:  # not yours to approve, already decided, no reason given
            self.notify(str(exc), title="decision", severity="error", timeout=15)
            return
        self.notify(f"{execution_id}: {outcome}")
        self.dismiss()
