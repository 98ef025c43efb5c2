"""`nocdeck recordings list|search|export|replay|purge`: the recorded interactive sessions."""

from __future__ import annotations

from pathlib import Path

import click

from nocdeck.commands.common import CliState, echo_json, pass_state, run_async
from nocdeck.commands.records import short_time
from nocdeck.recordings.asciicast import export_session
from nocdeck.recordings.replay import Recording, load_file, load_stored, play_in_terminal
from nocdeck.recordings.retention import purge_older_than
from nocdeck.store import Store
from nocdeck.store.sessions import SessionSummary


def _listing_json(item: SessionSummary) -> dict[str, object]:
    data = item.as_dict()
    for key in ("started_at", "ended_at"):
        value = data[key]
        if isinstance(value, str):
            data[key] = value.replace("+00:00", "Z")
    return data


def _print(items: list[SessionSummary], as_json: bool) -> None:
    if as_json:
        echo_json([_listing_json(item) for item in items])
        return
    if not items:
        click.echo("no recorded sessions")
        return
    click.echo(f"{'ID':<22} {'DEVICE':<12} {'USER':<24} {'STARTED':<20} {'STATUS':<11} EXIT")
    for item in items:
        exit_status = "-" if item.exit_status is None else str(item.exit_status)
        click.echo(f"{item.id:<22} {item.device:<12} {item.user:<24} "
                   f"{short_time(item.started_at):<20} {item.status:<11} {exit_status}")


async def _with_store(state: CliState) -> Store:
    return await Store.open(state.settings.effective_store_url)


@click.group("recordings")
def recordings_group() -> None:
    """Recorded interactive sessions: list, search, export (asciicast v2), replay, purge."""


@recordings_group.command("list")
@click.option("--device", metavar="NAME", help="Only sessions on this device.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, newest first.")
@pass_state
def list_command(state: CliState, device: str | None, as_json: bool) -> None:
    """List recorded sessions, newest first."""
    async def go() -> list[SessionSummary]:
        async with await _with_store(state) as store:
            return await store.list_sessions(device)

    _print(run_async(go()), as_json)


@recordings_group.command("search")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, newest first.")
@pass_state
def search_command(state: CliState, text: str, as_json: bool) -> None:
    """Find sessions where TEXT was typed as a command or shown in the output."""
    async def go() -> list[SessionSummary]:
        async with await _with_store(state) as store:
            return await store.search_sessions(text)

    _print(run_async(go()), as_json)


@recordings_group.command("export")
@click.argument("session_id", metavar="ID")
@click.option("-o", "--output", "output", required=True, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the asciicast v2 file (`asciinema play FILE`).")
@pass_state
def export_command(state: CliState, session_id: str, output: Path) -> None:
    """Export recording ID as asciicast v2."""
    async def go() -> int:
        async with await _with_store(state) as store:
            return await export_session(store, session_id, output)

    count = run_async(go())
    click.echo(f"{output}: {count} events of recording {session_id}", err=True)


@recordings_group.command("replay")
@click.argument("recording", metavar="ID|FILE")
@click.option("--speed", type=click.Choice(["1", "2", "8"]), default="1", show_default=True,
              help="Playback speed.")
@pass_state
def replay_command(state: CliState, recording: str, speed: str) -> None:
    """Play recording ID (or an asciicast FILE) in this terminal."""
    loaded: Recording
    path = Path(recording)
    if path.suffix == ".cast" or path.is_file():
        loaded = load_file(path)
    else:
        async def go() -> Recording:
            async with await _with_store(state) as store:
                return await load_stored(store, recording)

        loaded = run_async(go())
    click.echo(f"replaying {loaded.header.title} at {speed}x", err=True)
    play_in_terminal(loaded, speed=float(speed))
    click.echo("", err=True)


@recordings_group.command("purge")
@click.option("--older-than", "days", type=int, required=True, metavar="DAYS",
              help="Purge transcripts of sessions started more than DAYS days ago.")
@pass_state
def purge_command(state: CliState, days: int) -> None:
    """Delete old transcripts; the records that the sessions happened stay."""
    async def go() -> int:
        async with await _with_store(state) as store:
            return await purge_older_than(store, days)

    count = run_async(go())
    click.echo(f"purged the transcripts of {count} sessions older than {days} days")
