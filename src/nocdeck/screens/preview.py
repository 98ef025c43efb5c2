"""Preview: what would change on every target, planned off the UI thread.

Left, the devices with their +/- counts ("no change", "failed: why"); right, the selected
device's diff (side by side or unified) and the exact lines that would be pushed. Secrets
show masked: everything here comes from the engine's masked plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from nocdeck.screens.planning import PlannedRequest, RequestDraft, plan_request
from nocdeck.screens.widgets.diffview import DiffView
from nocdeck.wording import counted

if TYPE_CHECKING:
    from nocdeck.catalog import Catalog
    from nocdeck.engine.plan import DevicePlan
    from nocdeck.screens.backend import Backend

__all__ = ["PreviewScreen", "RequestDraft", "device_label"]


def device_label(device: DevicePlan) -> str:
    if device.status == "failed":
        return f"[red]✗[/] {device.name}  [red]failed[/]"
    if not device.changed:
        return f"[dim]=[/] {device.name}  [dim]no change[/]"
    return f"[yellow]●[/] {device.name}  [green]+{device.added}[/] [red]-{device.removed}[/]"


class PreviewScreen(Screen[None]):
    """The planned change; ctrl+s asks for approval or pushes."""

    CSS_PATH = "preview.tcss"
    BINDINGS = [
        Binding("ctrl+s", "go", "Push / request approval", id="preview.go"),
        Binding("tab", "focus_next", "Next pane", show=False),
        Binding("escape", "app.pop_screen", "Back to form", id="preview.back"),
    ]

    def __init__(self, backend: Backend, catalog: Catalog, draft: RequestDraft) -> None:
        super().__init__()
        self.backend = backend
        self.catalog = catalog
        self.draft = draft
        self.planned: PlannedRequest | None = None
        self.workflow = catalog.workflow(draft.workflow)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"[b]{self.workflow.name}[/] — planning…", id="preview-title")
        with Horizontal():
            yield OptionList(id="preview-devices")
            with Vertical(id="preview-right"):
                yield DiffView(id="preview-diff")
                yield Static("", id="preview-push", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "preview"
        self.run_plan()

    @work(exclusive=True, group="plan", exit_on_error=False)
    async def run_plan(self) -> None:
        title = self.query_one("#preview-title", Static)
        try:
            planned = await self.backend.call(
                lambda ws: plan_request(ws, self.draft, lambda _event: None))
        except Exception as exc:  # a NocdeckError names what and where
            title.update(f"[b red]cannot plan:[/] {exc}")
            self.notify(str(exc), title="plan", severity="error", timeout=20)
            return
        self.planned = planned
        result = planned.result
        changed = sum(1 for d in result.devices if d.changed)
        approval = ("  [b yellow]needs approval[/] by someone other than "
                    f"{self.backend.settings.user}" if self.workflow.approval_required else "")
        title.update(f"[b]{self.workflow.name}[/] — {changed} of "
                     f"{counted(len(result.devices), 'device')} to change · plan "
                     f"{result.execution_id}{approval}")
        devices = self.query_one("#preview-devices", OptionList)
        devices.clear_options()
        devices.add_options(Option(device_label(d), id=d.name) for d in result.devices)
        devices.highlighted = 0
        devices.focus()

    @on(OptionList.OptionHighlighted, "#preview-devices")
    def device_chosen(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None:
            self.show_device(event.option.id)

    @work(exclusive=True, group="diff", exit_on_error=False)
    async def show_device(self, name: str) -> None:
        planned = self.planned
        if planned is None:
            return
        device = planned.device(name)
        view = self.query_one("#preview-diff", DiffView)
        push = self.query_one("#preview-push", Static)
        if device.status == "failed":
            view.show(None, f"{name} could not be planned: {device.error}")
            push.update("")
            return
        diff = await self.backend.run_sync(lambda: planned.config_diff(name))
        view.show(diff if diff is not None and diff.changed else None,
                  f"{name}: no change — the running config already matches")
        lines = "\n".join(device.lines_to_push) or "(nothing to push)"
        push.update(f"Lines to push to {name}:\n{lines}")

    def action_go(self) -> None:
        planned = self.planned
        if planned is None:
            self.notify("still planning", severity="warning")
            return
        if not any(d.changed for d in planned.result.devices):
            self.notify("nothing to push: no device changes", severity="information")
            return
        from nocdeck.screens.push import start_push

        start_push(self, planned)
