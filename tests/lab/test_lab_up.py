"""`nocdeck lab up` as a user runs it: a real process, JSON lines, SSH, SIGTERM, bad input."""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from netmiko import ConnectHandler

from nocdeck.inventory import load_inventory

pytestmark = pytest.mark.timeout(90)
IOS_EOS = ["--platform", "cisco_ios", "--platform", "arista_eos"]


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "nocdeck", "lab", "up", *args], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _json_lines(process: subprocess.Popen[str], count: int, timeout: float = 30
                ) -> list[dict[str, Any]]:
    """Read `count` JSON lines from the raw pipe, never blocking past the deadline."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    data = b""
    while data.count(b"\n") < count:
        if not selector.select(max(0.0, deadline - time.monotonic())):
            process.kill()
            raise TimeoutError(f"lab up printed only {data!r}")
        chunk = os.read(fd, 65536)
        assert chunk, f"lab up ended early: {process.stderr.read() if process.stderr else ''}"
        data += chunk
    return [json.loads(line) for line in data.decode().splitlines()]


def _stop(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    process.send_signal(signal.SIGTERM)
    try:
        out, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return process.returncode, out, err


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nocdeck", "lab", "up", *args],
                          capture_output=True, text=True, timeout=60)


def test_lab_up_json_connect_then_sigterm(tmp_path: Path) -> None:
    inventory_file = tmp_path / "lab.yaml"
    process = _start("--devices", "4", "--json", "--seed", "3", "--inventory-out",
                     str(inventory_file), *IOS_EOS)
    try:
        devices = _json_lines(process, 4)
        assert [d["name"] for d in devices] == ["r1", "r2", "r3", "r4"]
        assert [d["platform"] for d in devices] == ["cisco_ios", "arista_eos"] * 2
        for device in devices:
            assert device["host"] == "127.0.0.1" and isinstance(device["port"], int)
            assert set(device) == {"name", "platform", "host", "port", "username", "password",
                                   "secret"}
        inventory = load_inventory(inventory_file)
        assert inventory.names == ["r1", "r2", "r3", "r4"]
        r2 = inventory.get("r2")
        assert r2 is not None and r2.credentials == "lab" and not r2.host_key_check
        assert r2.port == devices[1]["port"] and len(r2.interfaces) >= 24
        first = devices[0]
        with ConnectHandler(device_type=first["platform"], host=first["host"],
                            port=first["port"], username=first["username"],
                            password=first["password"], secret=first["secret"],
                            timeout=10, conn_timeout=10) as conn:
            assert "Cisco IOS Software" in conn.send_command("show version")
    finally:
        code, out, _err = _stop(process)
    assert code == 0
    assert out == "", "with --json nothing but the JSON lines goes to stdout"


def test_lab_up_table_and_ctrl_c() -> None:
    process = _start("--devices", "2", *IOS_EOS)
    assert process.stdout is not None
    header = process.stdout.readline()
    assert header.split() == ["NAME", "PLATFORM", "HOST", "PORT", "USERNAME"]
    assert process.stdout.readline().split()[:3] == ["r1", "cisco_ios", "127.0.0.1"]
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=20)
    assert process.returncode == 0


def test_state_dir_keeps_configs_between_runs(tmp_path: Path) -> None:
    state = tmp_path / "state"
    process = _start("--devices", "1", "--json", "--state-dir", str(state), *IOS_EOS)
    try:
        (device,) = _json_lines(process, 1)
        with ConnectHandler(device_type="cisco_ios", host="127.0.0.1", port=device["port"],
                            username=device["username"], password=device["password"],
                            secret=device["secret"], timeout=10, conn_timeout=10) as conn:
            conn.enable()
            conn.send_config_set(["snmp-server location kept-between-runs"])
    finally:
        assert _stop(process)[0] == 0
    assert "kept-between-runs" in (state / "r1" / "running-config").read_text()
    again = _start("--devices", "1", "--json", "--state-dir", str(state), *IOS_EOS)
    try:
        (device,) = _json_lines(again, 1)
        with ConnectHandler(device_type="cisco_ios", host="127.0.0.1", port=device["port"],
                            username=device["username"], password=device["password"],
                            secret=device["secret"], timeout=10, conn_timeout=10) as conn:
            conn.enable()
            assert "kept-between-runs" in conn.send_command("show running-config")
            assert "kept-between-runs" not in conn.send_command("show startup-config")
    finally:
        assert _stop(again)[0] == 0


@pytest.mark.parametrize(("args", "said"), [
    (["--devices", "0"], "--devices must be at least 1, got 0"),
    (["--devices", "-3"], "--devices must be at least 1, got -3"),
    (["--devices", "1", "--platform", "cisco_nxos"], "unknown platform cisco_nxos"),
    (["--devices", "1", "--fault", "r1:slow"], "--fault 'r1:slow': unknown fault"),
    (["--devices", "1", "--fault", "r9:hang"], "--fault names device 'r9'"),
    (["--devices", "1", "--state-dir", "/proc/version"], "--state-dir /proc/version: is not"),
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], said: str) -> None:
    result = _run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and said in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_state_dir(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        locked = Path("/proc/self/nocdeck-state")  # root can write anywhere else
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
    result = _run("--devices", "1", "--state-dir", str(locked), *IOS_EOS)
    assert result.returncode == 2
    assert f"--state-dir {locked}" in result.stderr and "Traceback" not in result.stderr


def test_port_in_use_names_the_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _run("--devices", "1", "--port-base", str(port), *IOS_EOS)
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use (device r1)" in result.stderr
