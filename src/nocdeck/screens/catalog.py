"""Catalog: workflows by category and the tasks, a fuzzy filter on `/`, and the docs.

Opens instantly: the list fills in when the engine thread has loaded the catalog, so the
first paint never waits for Jinja2, pydantic or the lab.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.fuzzy import Matcher
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from nocdeck.screens.describe import describe_task, describe_workflow

if TYPE_CHECKING:
    from nocdeck.catalog import Catalog
    from nocdeck.screens.backend import Backend


TASK_PREFIX = "task:"
"""Option ids of tasks carry this prefix; workflow options are their bare slug."""


class CatalogScreen(Screen[None]):
    """Pick a workflow (Enter opens its request form) or read about a task."""

    CSS_PATH = "catalog.tcss"
    AUTO_FOCUS = "#catalog-list"
    """Focus starts on the list, so `/` and the arrows work at once."""
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="catalog.filter"),
        Binding("enter", "open", "Open form", id="catalog.open", show=True),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="catalog.clear"),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend
        self.catalog: Catalog | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="catalog-left"):
                yield Input(placeholder="/ to filter workflows and tasks", id="catalog-filter")
                yield OptionList(Option("loading the catalog…", disabled=True),
                                 id="catalog-list")
            with VerticalScroll(id="catalog-detail"):
                yield Markdown("", id="catalog-doc")
        yield Static("", id="catalog-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#catalog-list", OptionList).focus()
        self.load()

    @work(exclusive=True, group="catalog", exit_on_error=False)
    async def load(self) -> None:
        status = self.query_one("#catalog-status", Static)
        try:
            workspace = await self.backend.workspace()
        except Exception as exc:  # shown, never a traceback
            status.update(f"[b red]cannot open the workspace:[/] {exc}")
            self.notify(str(exc), title="workspace", severity="error", timeout=30)
            return
        self.catalog = workspace.need_catalog()
        inventory = workspace.inventory
        count = len(inventory) if inventory is not None else 0
        status.update(f"{len(self.catalog.workflows)} workflows · {count} devices · "
                      f"store {workspace.settings.effective_store_url.split('://')[0]}")
        self.refill("")

    def refill(self, query: str) -> None:
        if self.catalog is None:
            return
        options = self.query_one("#catalog-list", OptionList)
        matcher = Matcher(query) if query else None
        by_category: dict[str, list[tuple[float, Option]]] = {}
        for slug, workflow in self.catalog.workflows.items():
            if not workflow.enabled:
                continue
            text = f"{workflow.name}  {slug}"
            score = matcher.match(text) if matcher else 1.0
            if score <= 0:
                continue
            label = matcher.highlight(workflow.name) if matcher else workflow.name
            by_category.setdefault(workflow.category, []).append(
                (score, Option(label, id=slug)))
        tasks: list[tuple[float, Option]] = []
        for slug, task in self.catalog.tasks.items():
            score = matcher.match(f"{task.name}  {slug}") if matcher else 1.0
            if score > 0:
                label = matcher.highlight(task.name) if matcher else task.name
                tasks.append((score, Option(label, id=f"{TASK_PREFIX}{slug}")))
        options.clear_options()
        for category in sorted(by_category):
            options.add_option(Option(f"[b]{category}[/]", disabled=True))
            found = by_category[category]
            if matcher:
                found.sort(key=lambda item: -item[0])
            options.add_options(option for _, option in found)
        if tasks:
            options.add_option(Option("[b]Tasks[/] [dim](run through a workflow)[/]",
                                      disabled=True))
            if matcher:
                tasks.sort(key=lambda item: -item[0])
            options.add_options(option for _, option in tasks)
        if not by_category and not tasks:
            options.add_option(Option(f"nothing matches {query!r}", disabled=True))
            return
        # The best match overall is highlighted, whatever its category; workflows first.
        best = max((item for found in (*by_category.values(), tasks) for item in found),
                   key=lambda item: item[0])[1]
        options.highlighted = options.get_option_index(best.id or "")

    @on(OptionList.OptionHighlighted, "#catalog-list")
    def show_detail(self, event: OptionList.OptionHighlighted) -> None:
        if self.catalog is None or event.option.id is None:
            return
        option_id = event.option.id
        text = (describe_task(self.catalog, option_id.removeprefix(TASK_PREFIX))
                if option_id.startswith(TASK_PREFIX) else
                describe_workflow(self.catalog, option_id))
        self.query_one("#catalog-doc", Markdown).update(text)

    @on(OptionList.OptionSelected, "#catalog-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.action_open()

    @on(Input.Changed, "#catalog-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.refill(event.value)

    @on(Input.Submitted, "#catalog-filter")
    def filter_done(self) -> None:
        self.query_one("#catalog-list", OptionList).focus()

    def action_filter(self) -> None:
        self.query_one("#catalog-filter", Input).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#catalog-filter", Input)
        box.value = ""
        self.query_one("#catalog-list", OptionList).focus()

    @property
    def selected_workflow(self) -> str | None:
        options = self.query_one("#catalog-list", OptionList)
        if options.highlighted is None:
            return None
        return options.get_option_at_index(options.highlighted).id

    def action_open(self) -> None:
        slug = self.selected_workflow
        if self.catalog is None or slug is None:
            return
        if slug.startswith(TASK_PREFIX):
            self.notify("a task runs as a step of a workflow: pick one of the workflows "
                        "listed in its detail pane", title="task")
            return
        from nocdeck.screens.form import FormScreen

        self.app.push_screen(FormScreen(self.backend, self.catalog, slug))
