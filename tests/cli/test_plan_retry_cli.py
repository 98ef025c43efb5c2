"""`nocdeck plan` on a device nothing listens for: each retry shown, then one clear failure."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(60)

NOCDECK = [sys.executable, "-m", "nocdeck"]


def closed_port() -> int:
    """A port nothing listens on: bound once to be free, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_closed_port_is_retried_then_fails_with_exit_1(tmp_path: Path) -> None:
    port = closed_port()
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "devices:\n  r9:\n    platform: cisco_ios\n    host: 127.0.0.1\n"
        f"    port: {port}\n    credentials: lab\n    host_key_check: false\n"
        "    interfaces:\n      - name: GigabitEthernet1/0/3\n")
    base = [*NOCDECK, "--store", f"sqlite+aiosqlite:///{tmp_path / 'store.db'}",
            "--inventory", str(inventory), "plan", "interface-description", "--input",
            "device=r9", "--input", "interface=Gi1/0/3", "--input", "description=x"]
    refused = f"connection refused by 127.0.0.1:{port}"

    shown = subprocess.run(base, capture_output=True, text=True, timeout=30, env=os.environ,
                           stdin=subprocess.DEVNULL)
    assert shown.returncode == 1, shown.stdout + shown.stderr
    assert f"== r9 (cisco_ios): FAILED: r9: {refused}; gave up after 3 attempts" \
        in shown.stdout
    assert f"r9 # {refused}; retry 1 of 2 in 0.5 s\nr9 # {refused}; retry 2 of 2 in 1 s\n" \
        in shown.stderr
    assert "Traceback" not in shown.stderr

    as_json = subprocess.run([*base, "--json"], capture_output=True, text=True, timeout=30,
                             env=os.environ, stdin=subprocess.DEVNULL)
    assert as_json.returncode == 1, as_json.stderr
    (device,) = json.loads(as_json.stdout)["devices"]
    assert device["error"] == f"r9: {refused}; gave up after 3 attempts"
    assert "retry" not in as_json.stderr and "Traceback" not in as_json.stderr

    ran = subprocess.run([*(a if a != "plan" else "run" for a in base), "--yes"],
                         capture_output=True, text=True, timeout=30, env=os.environ,
                         stdin=subprocess.DEVNULL)
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert f"could not plan r9: {refused}; gave up after 3 attempts" in ran.stderr
    assert "r9: r9:" not in ran.stderr and "Traceback" not in ran.stderr
