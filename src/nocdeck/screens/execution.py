"""One execution: who asked and approved, its devices and steps, diffs, dialogue, backups."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from nocdeck.wording import input_text

if TYPE_CHECKING:
    from nocdeck.screens.backend import Backend
    from nocdeck.store import ExecutionDetail


async def show_execution(backend: Backend, execution_id: str, target: Static) -> None:
    """Read one execution from the store (on the engine thread) into `target`; a store
    that cannot be read is said in its place, never a traceback."""
    try:
        detail = await backend.call(lambda ws: ws.store.get_execution(execution_id))
    except Exception as exc:
        target.update(f"cannot read {execution_id}: {exc}")
        return
    target.update(describe_execution(detail))


def describe_execution(detail: ExecutionDetail) -> Text:
    """The record as a NOC engineer reads it; every text in it was masked by the store."""
    ex = detail.execution
    out = Text()
    out.append(f"{ex.id}  {ex.kind} of {ex.workflow} {ex.workflow_version}\n", "bold")
    out.append(f"status {ex.status}", "bold green" if ex.status == "completed" else "bold")
    if ex.error:
        out.append(f" — {ex.error}", "red")
    out.append(f"\nrequested by {ex.requested_by} at {ex.created_at:%Y-%m-%d %H:%M:%S}\n")
    if ex.approved_by:
        out.append(f"approved by {ex.approved_by}"
                   + (f": {ex.approval_comment}" if ex.approval_comment else "") + "\n")
    if ex.rejected_by:
        out.append(f"rejected by {ex.rejected_by}: {ex.rejected_reason}\n", "red")
    if ex.ticket or ex.reason:
        out.append(f"ticket {ex.ticket or '-'} · reason {ex.reason or '-'}\n")
    shown_inputs = ", ".join(f"{k}={input_text(v)}" for k, v in ex.inputs.items()) or "-"
    out.append(f"inputs {shown_inputs}\ncatalog {ex.catalog_revision}\n")
    out.append("\nSteps\n", "bold underline")
    for step in detail.steps:
        out.append(f"  {step.order}. {step.name} on {step.device or 'all'}: {step.status}"
                   + (f" — {step.error}" if step.error else "") + "\n")
    for device in detail.devices:
        out.append(f"\nDevice {device.name}: {device.status}", "bold underline")
        if device.error:
            out.append(f" — {device.error}", "red")
        if device.status == "interrupted" and not device.outcome:
            out.append(" (not read back yet)", "yellow")
        backups = [f"before #{device.backup_before_id}" if device.backup_before_id else "",
                   f"after #{device.backup_after_id}" if device.backup_after_id else ""]
        shown = ", ".join(b for b in backups if b)
        out.append(f"\n  backups: {shown or 'none'}\n")
        if device.diff:
            out.append("  diff (as approved):\n")
            for line in device.diff.splitlines():
                style = "green" if line.startswith("+") else "red" if line.startswith("-") \
                    else ""
                out.append(f"    {line}\n", style)
        if device.pushed_lines:
            out.append("  pushed:\n" + "".join(f"    {line}\n" for line in device.pushed_lines))
        if device.dialogue:
            out.append("  dialogue:\n", "bold")
            out.append("".join(f"    {line}\n" for line in device.dialogue.splitlines()),
                       "dim")
    return out


class ExecutionScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="execution.back"),
                Binding("r", "reload", "Refresh", id="execution.refresh")]
    DEFAULT_CSS = "ExecutionScreen #execution-body { padding: 0 1; }"

    def __init__(self, backend: Backend, execution_id: str) -> None:
        super().__init__()
        self.backend = backend
        self.execution_id = execution_id

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="execution-body"):
            yield Static(f"loading {self.execution_id}…", id="execution-text")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.execution_id
        self.load()

    def action_reload(self) -> None:
        self.load()

    @work(exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        await show_execution(self.backend, self.execution_id,
                             self.query_one("#execution-text", Static))
