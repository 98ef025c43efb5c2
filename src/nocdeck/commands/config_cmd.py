"""`nocdeck config show`: the settings in effect and where each one came from."""

from __future__ import annotations

import click

from nocdeck.commands.common import CliState, echo_json, pass_state
from nocdeck.redaction import mask_url_password


@click.group("config")
def config_group() -> None:
    """Inspect nocdeck's settings."""


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@pass_state
def show(state: CliState, as_json: bool) -> None:
    """Print every setting, its value and its source (default, file, env or flag)."""
    settings = state.settings
    rows = []
    for name, value in settings.as_dict().items():
        shown = value
        if name == "store_url":
            shown = mask_url_password(settings.effective_store_url)
        rows.append({"setting": name, "value": shown, "source": settings.sources.get(name, "")})
    if as_json:
        echo_json(rows)
        return
    width = max(len(r["setting"]) for r in rows)
    for row in rows:
        value = row["value"]
        text = ", ".join(value) if isinstance(value, list) else str(value)
        click.echo(f"{row['setting']:<{width}}  {text or '-'}  ({row['source']})")
