"""Shared helpers for the catalog tests: the real CLI, catalog directories, lab-like devices."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from nocdeck.inventory import Device
from tests.fixtures.isolation import isolated_home  # noqa: F401  (autouse fixture)


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> CliResult:
    """Run `nocdeck ARGS` in-process through the real entry point (exit codes included)."""
    from nocdeck.cli import main

    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
    return CliResult(code, stdout, stderr)


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    return run_cli


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a file under tmp_path/catalog (dedented) and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / "catalog" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    (tmp_path / "catalog").mkdir(exist_ok=True)
    return _write


def lab_devices() -> list[Device]:
    """Devices shaped like the lab's: one per platform, with interfaces and VLANs."""
    return [
        Device(name="ios-1", platform="cisco_ios", host="127.0.0.1", port=2201,
               credentials="lab", model="C9300-48P", software_version="15.2(4)E10",
               role="access", site="dc1",
               interfaces=[{"name": "GigabitEthernet1/0/1", "mode": "access", "access_vlan": 10,
                            "description": "desk 4.12"},
                           {"name": "GigabitEthernet1/0/2", "mode": "access", "access_vlan": 10}],
               vlans=[{"id": 10, "name": "USERS"}, {"id": 120, "name": "VOICE"}]),
        Device(name="eos-1", platform="arista_eos", host="127.0.0.1", port=2202,
               credentials="lab", model="DCS-7050SX", software_version="4.28.3M",
               role="access", site="dc1",
               interfaces=[{"name": "Ethernet1", "mode": "access", "access_vlan": 10},
                           {"name": "Ethernet2", "mode": "trunk", "tagged_vlans": [10, 120]}],
               vlans=[{"id": 10, "name": "USERS"}, {"id": 120, "name": "VOICE"}]),
        Device(name="junos-1", platform="juniper_junos", host="127.0.0.1", port=2203,
               credentials="lab", model="EX4300-48T", software_version="21.4R3-S2",
               role="access", site="dc2",
               interfaces=[{"name": "ge-0/0/1", "mode": "access", "access_vlan": 10}],
               vlans=[{"id": 10, "name": "USERS"}, {"id": 120, "name": "VOICE"}]),
    ]


@pytest.fixture
def devices() -> dict[str, Device]:
    return {d.platform: d for d in lab_devices()}
