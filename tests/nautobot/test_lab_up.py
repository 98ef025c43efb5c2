"""`nocdeck lab up --nautobot URL`: the lab's devices appear in Nautobot, reachable as they
are, so the whole Nautobot flow can be tried against the lab."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from nocdeck.config import load_settings
from nocdeck.inventory.nautobot import load_nautobot_inventory
from tests.nautobot.conftest import RunningNautobot


def _env(nautobot_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOCDECK_")}
    env.update(nautobot_env)
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    return env


def test_lab_up_loads_its_devices_into_nautobot(nautobot: RunningNautobot,
                                                nautobot_env: dict[str, str],
                                                tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "nocdeck", "lab", "up", "--devices", "2", "--json",
         "--nautobot", nautobot.url], env=_env(nautobot_env, tmp_path),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert process.stdout is not None
        devices = [json.loads(process.stdout.readline()) for _ in range(2)]
        settings = load_settings(env={}, flags={
            "inventory": "nautobot", **{k[len("NOCDECK_"):].lower(): v
                                        for k, v in nautobot_env.items()}})
        inventory = load_nautobot_inventory(settings)
        for info in devices:
            device = inventory.get(info["name"])
            assert device is not None, inventory.names
            assert (device.platform, device.host, device.port, device.credentials) == (
                info["platform"], "127.0.0.1", info["port"], "lab")
            assert device.host_key_check is False
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    assert "nautobot: lab devices in " in err and "0 failed" in err


def test_lab_up_with_an_unreachable_nautobot_is_exit_2(nautobot_env: dict[str, str],
                                                       tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "nocdeck", "lab", "up", "--devices", "1",
         "--nautobot", "http://127.0.0.1:9"], env=_env(nautobot_env, tmp_path),
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "Nautobot http://127.0.0.1:9 is unreachable" in done.stderr
    assert "Traceback" not in done.stderr
