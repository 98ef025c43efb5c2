"""The real `nocdeck` command against a real `nocdeck lab up` process: plan and backups."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)

NOCDECK = [sys.executable, "-m", "nocdeck"]


@pytest.fixture
def lab_inventory(tmp_path: Path) -> Iterator[Path]:
    inventory = tmp_path / "lab.yaml"
    process = subprocess.Popen(
        [*NOCDECK, "lab", "up", "--devices", "3", "--json", "--inventory-out", str(inventory)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(3)]
    assert all(json.loads(line)["host"] == "127.0.0.1" for line in lines)
    yield inventory
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0


def nocdeck(*args: str, env_extra: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([*NOCDECK, *args], capture_output=True, text=True, timeout=90,
                          env=env, stdin=subprocess.DEVNULL)


def test_plan_json_then_show_and_executions(lab_inventory: Path, tmp_path: Path) -> None:
    store = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    result = nocdeck("--store", store, "--inventory", str(lab_inventory), "plan",
                     "interface-description", "--input", "device=r3", "--input",
                     "interface=ge-0/0/5", "--input", "description=to core 9", "--json")
    assert result.returncode == 0, result.stderr
    planned = json.loads(result.stdout)
    assert planned["kind"] == "plan" and planned["status"] == "planned"
    (device,) = planned["devices"]
    assert device["name"] == "r3" and device["changed"] is True
    assert device["lines_to_push"] == ['set interfaces ge-0/0/5 description "to core 9"']

    listed = json.loads(nocdeck("--store", store, "executions", "--json").stdout)
    assert listed[0]["id"] == planned["execution_id"]
    assert listed[0]["devices"] == [{"name": "r3", "status": "planned", "changed": True}]
    shown = nocdeck("--store", store, "show", planned["execution_id"])
    assert shown.returncode == 0 and "ge-0/0/5" in shown.stdout
    # a plan runs no step: its steps are not shown as waiting to run
    assert "Steps (1; rendered and diffed, a plan runs none):" in shown.stdout
    assert "pending" not in shown.stdout


def test_the_plan_counts_as_a_person_writes(lab_inventory: Path, tmp_path: Path) -> None:
    store = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    result = nocdeck("--store", store, "--inventory", str(lab_inventory), "plan",
                     "interface-description", "--input", "device=r3", "--input",
                     "interface=ge-0/0/5", "--input", "description=to core 10")
    assert result.returncode == 0, result.stderr
    assert "== r3 (juniper_junos): +1 -1, 1 line to push" in result.stdout
    assert "): 1 device, 1 to change, 0 no change, 0 failed" in result.stdout


def test_backups_are_taken_listed_and_diffed(lab_inventory: Path, tmp_path: Path) -> None:
    store = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    taken = nocdeck("--store", store, "--inventory", str(lab_inventory), "backup", "--all",
                    "--json")
    assert taken.returncode == 0, taken.stderr
    ids = {o["device"]: o["backup_id"] for o in json.loads(taken.stdout)}
    assert set(ids) == {"r1", "r2", "r3"}
    again = json.loads(nocdeck("--store", store, "--inventory", str(lab_inventory), "backup",
                               "r1", "--json").stdout)
    listed = json.loads(nocdeck("--store", store, "backups", "r1", "--json").stdout)
    assert [b["id"] for b in listed] == [again[0]["backup_id"], ids["r1"]]
    same = nocdeck("--store", store, "backups", "diff", str(ids["r1"]),
                   str(again[0]["backup_id"]))
    assert same.returncode == 0
    assert "identical" in same.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "nope"], "unknown workflow 'nope'"),
        (["plan", "interface-description", "--input", "device=r1", "--input",
          "interface=Gi1/0/1"], "description"),
        (["plan", "interface-description", "--input", "oops"], "expected NAME=VALUE"),
        (["plan", "interface-description", "--input", "device=zz", "--input",
          "interface=Gi1/0/1", "--input", "description=x"], "unknown device 'zz'"),
        (["backup"], "pass --all"),
        (["backup", "q*"], "matches no device"),
        (["backups", "diff", "1"], "usage: nocdeck backups diff ID1 ID2"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(lab_inventory: Path, tmp_path: Path,
                                          args: list[str], message: str) -> None:
    store = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    result = nocdeck("--store", store, "--inventory", str(lab_inventory), *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert nocdeck("--store", store, "executions", "--json").stdout.strip() == "[]"


def test_broken_inventory_names_file_and_line(tmp_path: Path) -> None:
    inventory = tmp_path / "inv.yaml"
    inventory.write_text("devices:\n  r1:\n    platform: cisco_ios\n    host: [\n")
    result = nocdeck("--inventory", str(inventory), "plan", "interface-description")
    assert result.returncode == 2
    assert f"{inventory}:" in result.stderr and "invalid YAML" in result.stderr
