"""Given a lab IOS device, when an engineer works on it through a recorded session, then
the SessionRecord holds the commands, the resizes, the exit status, and no secret; its
asciicast export parses and replays to the screen the engineer saw.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path

import pyte
import pytest

from nocdeck.config import Settings
from nocdeck.credentials import LAB_ENABLE_SECRET, LAB_PASSWORD
from nocdeck.lab import LabThread
from nocdeck.recordings.asciicast import export_session
from nocdeck.recordings.terminal import SessionResult, run_interactive_session
from nocdeck.redaction import Redactor
from nocdeck.store import Store
from tests.fixtures.store import sql_rows
from tests.recordings.driver import PtyUser, set_size

COMMUNITY = "CanaryCommunity7731"
USER_SECRET = "CanaryUserSecret5512"
CANARIES = (COMMUNITY, USER_SECRET, LAB_ENABLE_SECRET, LAB_PASSWORD)


async def engineer_session(user: PtyUser, slave: int) -> None:
    """enable with the password, show running-config, one change, a resize, logout."""
    await user.expect("r1>")
    await user.run("enable", "Password:")
    await user.run(LAB_ENABLE_SECRET, "r1#")
    await user.run("terminal length 0", "r1#")
    await user.run("show running-config", "\nend")
    await user.expect("r1#", after=len(user.seen) - 10)
    await user.run("configure terminal", "(config)#")
    await user.run(f"snmp-server community {COMMUNITY} RO", "(config)#")
    await user.run(f"username canary secret {USER_SECRET}", "(config)#")
    await user.run("end", "r1#")
    await user.quiet(0.2)
    user.resize(slave, 100, 30)
    await asyncio.sleep(0.7)
    await user.run("show running-config | include snmp-server", "r1#")
    await user.quiet(0.2)
    os.write(user.master, b"exit\r")


async def record_session(lab: LabThread, store: Store, *, settings: Settings | None = None
                         ) -> tuple[SessionResult, PtyUser]:
    device = lab.inventory().get("r1")
    assert device is not None
    master, slave = os.openpty()
    set_size(slave, 80, 24)
    user = PtyUser(master)
    try:
        driving = asyncio.create_task(engineer_session(user, slave))
        result = await asyncio.wait_for(run_interactive_session(
            device, settings or Settings(user="alice@noc"), store,
            stdin_fd=slave, stdout_fd=slave), 60)
        await asyncio.wait_for(driving, 10)
        user.pump()
    finally:
        os.close(slave)
        os.close(master)
    return result, user


def store_text(url: str) -> str:
    rows = [*sql_rows(url, "SELECT * FROM session_records"),
            *sql_rows(url, "SELECT * FROM session_events"),
            *sql_rows(url, "SELECT * FROM session_commands")]
    return "\n".join(repr(row) for row in rows)


async def test_a_recorded_session_keeps_commands_resizes_and_no_secret(
        lab: LabThread, store: Store, store_url: str, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    result, user = await record_session(lab, store)

    assert (result.exit_status, result.complete, result.message) == (0, True, "")
    [listed] = await store.list_sessions("r1")
    assert (listed.id, listed.user, listed.status, listed.exit_status) == (
        result.session_id, "alice@noc", "complete", 0)
    assert (listed.term_cols, listed.term_rows) == (80, 24)
    assert listed.ended_at is not None and listed.ended_at >= listed.started_at

    commands = await store.session_commands(result.session_id)
    assert [c.command for c in commands] == [
        "enable", "terminal length 0", "show running-config", "configure terminal",
        f"snmp-server community {'*' * len(COMMUNITY)} RO",
        f"username canary secret {'*' * len(USER_SECRET)}", "end",
        "show running-config | include snmp-server", "exit"]
    assert [c.t for c in commands] == sorted(c.t for c in commands)
    show_run = commands[2].answer
    assert "hostname r1" in show_run and "enable secret 9 ****" in show_run
    assert f"snmp-server community {'*' * len(COMMUNITY)} RO" in commands[7].answer.splitlines()

    events = [e async for batch in store.session_events(result.session_id) for e in batch]
    assert [e.data for e in events if e.kind == "r"] == ["100x30"]
    markers = [e.data for e in events if e.kind == "m"]
    assert "masked: input after a password prompt" in markers
    assert markers.count("masked: secret in output") >= 4
    assert listed.redaction_count >= len(markers)

    everything = store_text(store_url)
    for canary in CANARIES:
        assert canary not in everything, f"{canary} reached the store"
        assert canary not in caplog.text, f"{canary} reached the logs"
    assert COMMUNITY in user.seen.decode(), "the engineer saw the real output"

    cast = tmp_path / "session.cast"
    count = await export_session(store, result.session_id, cast)
    lines = cast.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["version"] == 2 and (header["width"], header["height"]) == (80, 24)
    assert isinstance(header["timestamp"], int) and "r1" in header["title"]
    assert header["env"]["TERM"]
    frames = [json.loads(line) for line in lines[1:]]
    assert len(frames) == count == len(events)
    times = [f[0] for f in frames]
    assert all(isinstance(t, float) for t in times) and times == sorted(times)
    assert {f[1] for f in frames} <= set("oirm")
    for canary in CANARIES:
        assert canary not in cast.read_text(encoding="utf-8")

    replayed = pyte.Screen(80, 24)
    stream = pyte.Stream(replayed)
    for _, code, data in frames:
        if code == "o":
            stream.feed(data)
        elif code == "r":
            cols, rows = map(int, data.split("x"))
            replayed.resize(rows, cols)
    masker = Redactor()
    masker.add_secrets(CANARIES)
    live = [masker.mask_line(line) for line in user.display()]
    assert [line.rstrip() for line in replayed.display] == live
    assert any("snmp-server community ****" in line for line in live)
