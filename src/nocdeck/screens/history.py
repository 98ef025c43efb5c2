"""History: past executions, newest first, one page of the store at a time.

Never loads the whole store: 50 rows a page (`]` / `[`), filtered in the query itself
(`workflow=… status=… device=core-* kind=run user=alice* since=2026-11-24 until=2h`).
Enter opens one execution.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from nocdeck.errors import InputError

if TYPE_CHECKING:
    from nocdeck.screens.backend import Backend
    from nocdeck.store import ExecutionRecord

PAGE = 50
FILTER_KEYS = ("workflow", "status", "device", "kind", "user", "since", "until")
STORE_ARGUMENT = {"user": "requested_by"}
"""Filter words whose store argument has another name."""


def parse_filter(text: str) -> tuple[dict[str, str], str | None]:
    """`workflow=x status=failed` -> the filter words; a problem names the bad word."""
    found: dict[str, str] = {}
    for word in text.split():
        key, sep, value = word.partition("=")
        if not sep or key not in FILTER_KEYS or not value:
            return {}, (f"filter {word!r}: use KEY=VALUE with KEY one of "
                        f"{', '.join(FILTER_KEYS)}")
        if key in ("since", "until"):
            from nocdeck.store.when import parse_when  # the store package: not before paint

            try:
                parse_when(value, what=f"filter {key}=")
            except InputError as exc:
                return {}, str(exc)
        found[key] = value
    return found, None


def store_filters(filters: dict[str, str]) -> dict[str, Any]:
    """The filter words as `Store.list_executions` arguments; times read at each load, so
    `since=2h` keeps meaning the last two hours on refresh."""
    from nocdeck.store.when import parse_when

    arguments: dict[str, Any] = {}
    for key, value in filters.items():
        if key in ("since", "until"):
            arguments[key] = parse_when(value, what=f"filter {key}=",
                                        end_of_day=key == "until")
        else:
            arguments[STORE_ARGUMENT.get(key, key)] = value
    return arguments


class HistoryScreen(Screen[None]):
    CSS_PATH = "history.tcss"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="history.filter"),
        Binding("right_square_bracket", "page(1)", "Older", id="history.older"),
        Binding("left_square_bracket", "page(-1)", "Newer", id="history.newer"),
        Binding("r", "reload", "Refresh", id="history.refresh"),
        Binding("enter", "open", "Open", id="history.open", show=False),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend
        self.page = 0
        self.filters: dict[str, str] = {}
        self.records: list[ExecutionRecord] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="/ filter: workflow=… status=… device=… kind=… user=… "
                                "since=… until=…", id="history-filter")
        yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="history-status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "history"
        table = self.query_one(DataTable)
        table.add_columns("id", "when", "kind", "workflow", "status", "by", "devices")
        table.focus()
        self.action_reload()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    def action_page(self, step: int) -> None:
        if step > 0 and len(self.records) < PAGE:
            self.notify("no older executions", severity="information")
            return
        self.page = max(self.page + step, 0)
        self.load()

    def action_filter(self) -> None:
        self.query_one("#history-filter", Input).focus()

    @on(Input.Submitted, "#history-filter")
    def filtered(self, event: Input.Submitted) -> None:
        filters, problem = parse_filter(event.value)
        if problem:
            self.notify(problem, severity="error")
            return
        self.filters, self.page = filters, 0
        self.query_one(DataTable).focus()
        self.load()

    @work(exclusive=True, group="history", exit_on_error=False)
    async def load(self) -> None:
        status = self.query_one("#history-status", Static)
        filters = store_filters(self.filters)
        offset = self.page * PAGE
        try:
            records = await self.backend.call(
                lambda ws: ws.store.list_executions(limit=PAGE, offset=offset, **filters))
        except Exception as exc:  # store unreachable: say so, keep the screen
            status.update(f"[red]cannot read the store:[/] {exc}")
            self.notify(str(exc), title="store", severity="error")
            return
        self.records = records
        table = self.query_one(DataTable)
        table.clear()
        for record in records:
            names = ", ".join(d.name for d in record.devices[:3])
            more = f" +{len(record.devices) - 3}" if len(record.devices) > 3 else ""
            table.add_row(record.id, record.created_at.strftime("%Y-%m-%d %H:%M"),
                          record.kind, record.workflow, record.status, record.requested_by,
                          names + more, key=record.id)
        shown = " ".join(f"{k}={v}" for k, v in self.filters.items()) or "none"
        status.update(f"page {self.page + 1} · {len(records)} shown · filters: {shown}")

    @on(DataTable.RowSelected, "#history-table")
    def selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.open(event.row_key.value)

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if self.records and 0 <= table.cursor_row < len(self.records):
            self.open(self.records[table.cursor_row].id)

    def open(self, execution_id: str) -> None:
        from nocdeck.screens.execution import ExecutionScreen

        self.app.push_screen(ExecutionScreen(self.backend, execution_id))
