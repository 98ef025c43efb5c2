"""`nocdeck ssh` as an engineer runs it, in a real terminal (a pty), against the lab: it
exits with the device's exit status once the record is committed; killed mid-way it leaves
an incomplete record; a session that cannot start is one line and exit 2."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from nocdeck.credentials import LAB_ENABLE_SECRET
from nocdeck.inventory import dump_inventory
from nocdeck.lab import LabThread
from nocdeck.lab.faults import DeviceFaults
from nocdeck.providers.hostkeys import fetch_host_key, known_hosts_line
from tests.recordings.driver import PtyUser, set_size

NOCDECK = str(Path(sys.executable).with_name("nocdeck"))


def write_inventory(lab: LabThread, path: Path, **r1_changes: object) -> Path:
    data = yaml.safe_load(dump_inventory(lab.inventory()))
    data["devices"]["r1"].update(r1_changes)
    path.write_text(yaml.safe_dump(data))
    return path


def spawn(args: list[str], cols: int = 80, rows: int = 24) -> tuple[int, int]:
    pid, master = pty.fork()
    if pid == 0:  # the child: the pty is its terminal
        try:
            set_size(0, cols, rows)
            os.execv(NOCDECK, [NOCDECK, *args])
        finally:
            os._exit(127)
    return pid, master


async def wait_exit(pid: int, user: PtyUser | None = None, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if user is not None:
            user.pump()
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        await asyncio.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    raise AssertionError("nocdeck ssh did not exit")


def recordings(store_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NOCDECK, "--store", store_url, "recordings", *args],
                          capture_output=True, text=True, timeout=60)


async def test_nocdeck_ssh_records_the_session_and_exits_with_the_device_status(
        lab: LabThread, store_url: str, tmp_path: Path) -> None:
    inventory = write_inventory(lab, tmp_path / "inventory.yml")
    pid, master = spawn(["--store", store_url, "--inventory", str(inventory), "ssh", "r1"])
    user = PtyUser(master)
    try:
        await user.expect("r1>")
        await user.run("enable", "Password:")
        await user.run(LAB_ENABLE_SECRET, "r1#")
        await user.run("terminal length 0", "r1#")
        await user.run("show version", "r1#")
        os.write(master, b"\x03")
        await user.run("", "r1#")
        user.resize(master, 120, 40, pid=pid)
        await asyncio.sleep(0.7)
        os.write(master, b"exit\r")
        code = await wait_exit(pid, user)
    finally:
        os.close(master)
    assert code == 0
    assert b"session ss-" in user.seen and b"exit status 0" in user.seen

    listed = recordings(store_url, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [record] = json.loads(listed.stdout)
    assert set(record) >= {"id", "device", "user", "started_at", "ended_at", "complete",
                           "exit_status"}
    assert (record["device"], record["user"], record["complete"], record["exit_status"]) == (
        "r1", "tester@nocdeck-test", True, 0)

    cast = tmp_path / "r1.cast"
    exported = recordings(store_url, "export", record["id"], "-o", str(cast))
    assert exported.returncode == 0, exported.stderr
    frames = [json.loads(line) for line in cast.read_text().splitlines()[1:]]
    assert ["r", "120x40"] in [f[1:] for f in frames]
    assert any(f[1] == "i" and "\x03" in f[2] for f in frames), "ctrl-c went to the device"
    assert LAB_ENABLE_SECRET not in cast.read_text()

    found = recordings(store_url, "search", "enable", "--json")
    assert [r["id"] for r in json.loads(found.stdout)] == [record["id"]]
    assert json.loads(recordings(store_url, "search", "no-such-text", "--json").stdout) == []

    replayed = recordings(store_url, "replay", str(cast), "--speed", "8")
    assert replayed.returncode == 0 and "r1#" in replayed.stdout


async def test_a_killed_session_leaves_an_incomplete_record(
        lab: LabThread, store_url: str, tmp_path: Path) -> None:
    inventory = write_inventory(lab, tmp_path / "inventory.yml")
    pid, master = spawn(["--store", store_url, "--inventory", str(inventory), "ssh", "r1"])
    user = PtyUser(master)
    try:
        await user.expect("r1>")
        await user.run("show version", "--More--")
        await asyncio.sleep(1.2)  # a batch or two reach the store
        os.kill(pid, signal.SIGKILL)
        assert await wait_exit(pid) == -signal.SIGKILL
    finally:
        os.close(master)
    [record] = json.loads(recordings(store_url, "list", "--json").stdout)
    assert record["complete"] is False and record["exit_status"] is None
    assert record["status"] in {"active", "incomplete"}
    cast = tmp_path / "killed.cast"
    assert recordings(store_url, "export", record["id"], "-o", str(cast)).returncode == 0
    assert "show version" in cast.read_text(), "what happened before the kill is kept"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_sessions_that_cannot_start_give_one_line_and_exit_2(
        lab: LabThread, store_url: str, tmp_path: Path) -> None:
    base = ["--store", store_url]

    async def refused(args: list[str], expected: str, *, env: dict[str, str] | None = None,
                      cols: int = 80, rows: int = 24) -> None:
        if env:
            os.environ.update(env)
        pid, master = spawn([*base, *args], cols, rows)
        user = PtyUser(master)
        try:
            code = await wait_exit(pid, user)
        finally:
            os.close(master)
            for key in env or {}:
                os.environ.pop(key, None)
        text = user.seen.decode(errors="replace").strip()
        assert code == 2, text
        assert len(text.splitlines()) == 1 and expected in text, text
        assert "Traceback" not in text

    good = write_inventory(lab, tmp_path / "good.yml")
    await refused(["--inventory", str(good), "ssh", "r7"], "unknown device 'r7'")
    await refused(["--inventory", str(good), "ssh", "r1"], "terminal too small (10x3)",
                  cols=10, rows=3)
    down = write_inventory(lab, tmp_path / "down.yml", port=_closed_port())
    await refused(["--inventory", str(down), "ssh", "r1"], "r1: connection refused by")

    lab.set_faults("r1", DeviceFaults(reject_login=True))
    try:
        await refused(["--inventory", str(good), "ssh", "r1"], "r1: login refused for user")
    finally:
        lab.set_faults("r1", DeviceFaults())

    info = lab.info("r1")
    other = await fetch_host_key("127.0.0.1", lab.info("r2").port)
    known = tmp_path / "known_hosts"
    known.write_text(known_hosts_line("127.0.0.1", info.port, other))
    checked = write_inventory(lab, tmp_path / "checked.yml", host_key_check=True)
    real = await fetch_host_key("127.0.0.1", info.port)
    assert real != other
    await refused(["--inventory", str(checked), "ssh", "r1"], "HOST KEY CHANGED",
                  env={"NOCDECK_KNOWN_HOSTS": str(known)})
    assert json.loads(recordings(store_url, "list", "--json").stdout) == [], \
        "nothing is recorded for a session that never started"


HEADER = '{"version": 2, "width": 80, "height": 24}\n'


@pytest.mark.parametrize(("content", "expected"), [
    (HEADER + '[0.1, "o", "ok"]\n[0.2, "o", "cut',
     ":3: not a JSON event (the file ends mid-event: truncated)"),
    ('{"version": 1}\n', ":1: not an asciicast v2 header"),
    (HEADER + '[0.5, "o", "a"]\n[0.2, "o", "b"]\n', ":3: time 0.2 goes back"),
    (HEADER + '[0.5, "r", "wide"]\n', ":2: resize data 'wide'"),
    ("\x00\x01binary", ":1: not an asciicast header"),
])
def test_a_damaged_recording_file_is_refused_naming_the_line(
        tmp_path: Path, store_url: str, content: str, expected: str) -> None:
    cast = tmp_path / "damaged.cast"
    cast.write_text(content)
    result = recordings(store_url, "replay", str(cast), "--speed", "8")
    assert result.returncode == 2 and expected in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_an_unknown_recording_id_is_refused(store_url: str, tmp_path: Path) -> None:
    result = recordings(store_url, "export", "ss-20260101-nope", "-o", str(tmp_path / "x.cast"))
    assert result.returncode == 2 and "no recording 'ss-20260101-nope'" in result.stderr
    assert not (tmp_path / "x.cast").exists()
