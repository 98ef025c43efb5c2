"""`nocdeck exec` end to end: a subprocess against a lab and the inventory file it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tests.providers.conftest import LabHandle

pytestmark = pytest.mark.timeout(120)

NOCDECK = str(Path(sys.executable).with_name("nocdeck"))


def nocdeck(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOCDECK_")}
    env.update({"XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
                "NOCDECK_COMMAND_TIMEOUT": "5", "NOCDECK_CONNECT_TIMEOUT": "5"})
    return subprocess.run([NOCDECK, *args], capture_output=True, text=True, timeout=90,
                          env=env, check=False)


def test_exec_json_gives_each_device_its_output(lab: LabHandle, tmp_path: Path) -> None:
    result = nocdeck("--inventory", str(lab.inventory_path), "exec", "show version",
                     "--device", "r*", "--json", home=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert sorted(data) == sorted(lab.names)
    for name, answer in data.items():
        assert answer["error"] is None
        assert lab.devices[name].software_version in answer["output"], answer
        assert list(answer["outputs"]) == ["show version"]


def test_exec_prints_each_output_under_its_device_name(lab: LabHandle, tmp_path: Path) -> None:
    first = lab.names[0]
    result = nocdeck("--inventory", str(lab.inventory_path), "exec", "show version",
                     "show running-config", "--device", first, home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"=== {first} ===\n")
    assert "# show running-config" in result.stdout
    assert f"hostname {first}" in result.stdout


def test_exec_with_a_glob_that_matches_nothing_is_exit_2(lab: LabHandle, tmp_path: Path
                                                         ) -> None:
    result = nocdeck("--inventory", str(lab.inventory_path), "exec", "show version",
                     "--device", "core-*", home=tmp_path)
    assert result.returncode == 2
    assert "'core-*' matches no device" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["conf t", "configure terminal", "reload"])
def test_exec_refuses_a_changing_command_before_touching_a_device(
        lab: LabHandle, tmp_path: Path, command: str) -> None:
    before = lab.journal_length()
    result = nocdeck("--inventory", str(lab.inventory_path), "exec", command, home=tmp_path)
    assert result.returncode == 2
    assert "read-only" in result.stderr and command in result.stderr
    assert lab.journal_length() == before, "exec sent something to a device"


def _inventory_with(lab: LabHandle, tmp_path: Path, name: str, **fields: object) -> Path:
    data = yaml.safe_load(lab.inventory_path.read_text())
    template = dict(next(iter(data["devices"].values())))
    template.update(fields)
    data["devices"][name] = template
    path = tmp_path / "inventory.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_a_failing_device_is_reported_under_its_name_and_exit_1(
        lab: LabHandle, tmp_path: Path, closed_port: int) -> None:
    inventory = _inventory_with(lab, tmp_path, "gone1", port=closed_port, interfaces=[])
    result = nocdeck("--inventory", str(inventory), "exec", "show version", "--json",
                     home=tmp_path)
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["gone1"]["output"] is None
    assert "gone1" in data["gone1"]["error"] and "refused" in data["gone1"]["error"]
    assert all(data[n]["error"] is None for n in lab.names)
    assert "1 of" in result.stderr and "gone1" in result.stderr


def test_a_device_without_its_credential_is_exit_2_and_nothing_is_touched(
        lab: LabHandle, tmp_path: Path) -> None:
    inventory = _inventory_with(lab, tmp_path, "nocred1", credentials="cred:missing-one",
                                interfaces=[])
    before = lab.journal_length()
    result = nocdeck("--inventory", str(inventory), "exec", "show version", home=tmp_path)
    assert result.returncode == 2
    assert "nocred1" in result.stderr and "missing-one" in result.stderr
    assert lab.journal_length() == before
