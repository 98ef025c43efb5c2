"""netmiko's own cisco_ios and arista_eos drivers against the lab, and ntc-templates parsing.

What a Nornir/netmiko user would do on day one: connect, enable, push, read back, save,
reload, autodetect, and parse `show` output with ntc-templates.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from netmiko import ConnectHandler, ssh_autodetect
from ntc_templates.parse import parse_output

from nocdeck.lab import LabSpec, LabThread
from nocdeck.lab.cisco_show import interface_states, vlan_database
from nocdeck.lab.flavor import load_flavor

pytestmark = pytest.mark.timeout(120)
PLATFORMS = ("cisco_ios", "arista_eos")


@pytest.fixture(scope="module")
def lab() -> Iterator[LabThread]:
    with LabThread(LabSpec(devices=2, seed=5, platforms=PLATFORMS), timeout=20) as running:
        yield running


def _params(lab: LabThread, name: str, **extra: Any) -> dict[str, Any]:
    info = lab.info(name)
    return {"device_type": info.platform, "host": info.host, "port": info.port,
            "username": info.username, "password": info.password, "secret": info.secret,
            "timeout": 10, "conn_timeout": 10, "auth_timeout": 10, "banner_timeout": 10,
            **extra}


@pytest.mark.parametrize("name", ["r1", "r2"])
def test_push_read_back_save_and_reload(lab: LabThread, name: str) -> None:
    error = r"% Invalid input|% Incomplete command|% Ambiguous command"
    with ConnectHandler(**_params(lab, name)) as conn:
        conn.enable()
        output = conn.send_config_set(
            ["interface Loopback42", "description pushed by netmiko",
             "ntp server 10.1.2.3", "vlan 321", "name netmiko-test"], error_pattern=error)
        assert "Invalid" not in output
        assert conn.check_config_mode() is False
        running = conn.send_command("show running-config")
        assert "interface Loopback42" in running
        assert "description pushed by netmiko" in running
        assert "ntp server 10.1.2.3" not in conn.send_command("show startup-config")
        conn.save_config()
        assert "ntp server 10.1.2.3" in conn.send_command("show startup-config")
        conn.send_config_set(["no ntp server 10.1.2.3"])
        assert "ntp server 10.1.2.3" not in conn.send_command("show running-config")
        conn.send_command_timing("reload")
        conn.write_channel("\n")
    assert "ntp server 10.1.2.3" in lab.running_config(name)
    assert "vlan 321" in lab.running_config(name)


@pytest.mark.parametrize("name", ["r1", "r2"])
def test_a_rejected_line_is_an_error_for_netmiko(lab: LabThread, name: str) -> None:
    from netmiko.exceptions import ConfigInvalidException

    with ConnectHandler(**_params(lab, name)) as conn:
        conn.enable()
        with pytest.raises(ConfigInvalidException):
            conn.send_config_set(["interface Loopback43", "frobnicate the widget"],
                                 error_pattern=r"% Invalid input")
        conn.exit_config_mode()
        assert conn.find_prompt() == f"{name}#"


@pytest.mark.parametrize("name", ["r1", "r2"])
def test_show_outputs_parse_with_ntc_templates_and_match_the_state(
        lab: LabThread, name: str) -> None:
    platform = lab.info(name).platform
    device = lab.device(name)
    flavor = load_flavor(platform)
    states = {s.name: s for s in interface_states(device.running, flavor)}
    with ConnectHandler(**_params(lab, name)) as conn:
        conn.enable()
        outputs = {cmd: conn.send_command(cmd) for cmd in (
            "show version", "show interfaces status", "show ip interface brief",
            "show vlan brief")}

    def parse(command: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = parse_output(platform=platform, command=command,
                                                 data=outputs[command])
        assert rows, f"{command}: ntc-templates found no rows in {outputs[command][:300]!r}"
        return rows

    version = parse("show version")[0]
    if platform == "cisco_ios":
        assert version["version"] == device.facts["version"]
        assert version["hostname"] == name
        assert device.facts["serial"] in version["serial"]
    else:
        assert version["model"] == device.facts["model"]
        assert version["image"] == device.facts["version"]
    status = parse("show interfaces status")
    physical = [s for s in states.values() if not s.logical]
    assert len(status) == len(physical)
    for row in status:
        full = flavor.layout.canonical_interface(row["port"])
        assert full in states
        state = states[full]
        assert (row["status"] == "disabled") == (not state.enabled)
        if state.mode == "access":
            assert row["vlan_id"] == str(state.access_vlan)
    brief = {row["interface"]: row for row in parse("show ip interface brief")}
    for state in states.values():
        if state.address:
            shown = brief[state.name]["ip_address"]
            assert ipaddress.ip_interface(state.address).ip == ipaddress.ip_interface(
                shown if "/" in shown else f"{shown}/32").ip
    vlans = {int(row["vlan_id"]): row for row in parse("show vlan brief")}
    for vid, vname, _status in vlan_database(device.running):
        assert vlans[vid]["vlan_name"] == vname
    some_access = next(s for s in physical if s.mode == "access")
    short = flavor.layout.short_interface(some_access.name)
    assert short in vlans[some_access.access_vlan or 1]["interfaces"]


def test_ssh_detect_guesses_ios_and_eos(lab: LabThread, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    # Only the platforms probed with `show version` (all the lab answers); the detection
    # logic, timings and patterns are netmiko's own.
    base = [(k, v) for k, v in ssh_autodetect.SSH_MAPPER_BASE if v["cmd"] == "show version"]
    monkeypatch.setattr(ssh_autodetect, "SSH_MAPPER_BASE", base)

    def detect(name: str) -> str | None:
        params = _params(lab, name, device_type="autodetect")
        params.pop("secret")
        guess: str | None = ssh_autodetect.SSHDetect(**params).autodetect()
        return guess

    with ThreadPoolExecutor(2) as pool:
        guesses = list(pool.map(detect, ["r1", "r2"]))
    assert guesses == ["cisco_ios", "arista_eos"]
