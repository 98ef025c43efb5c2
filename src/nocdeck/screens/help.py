"""`?` help: every binding of the screen underneath and of the app, with what it does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown


def bindings_markdown(screen: Screen[object]) -> str:
    """The active bindings, as the footer knows them, plus the ones it hides."""
    rows = ["# Keys", "", "| key | does |", "|---|---|"]
    seen: set[tuple[str, str]] = set()
    ordered = sorted(screen.active_bindings.items(), key=lambda item: item[1].binding.id is None)
    for key, active in ordered:  # nocdeck's own bindings (they have ids) first
        binding = active.binding
        text = binding.description or binding.action
        if (key, text) in seen:
            continue
        seen.add((key, text))
        shown = screen.app.get_key_display(binding)
        rows.append(f"| `{shown}` | {text} |")
    rows += ["", "Mouse works too: click a row, a field or a footer key.",
             "", "`Esc` closes this help."]
    return "\n".join(rows)


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close help", id="help.close")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(self.text)
