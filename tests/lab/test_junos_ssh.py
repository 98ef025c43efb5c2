"""netmiko's own juniper_junos driver against the lab's Junos switch, over real SSH."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import asyncssh
import pytest
from netmiko import ConnectHandler, SSHDetect
from netmiko.exceptions import ConfigInvalidException

from nocdeck.lab import LabSpec, LabThread
from nocdeck.lab.junos_device import JunosDevice

TIME_SCALE = 60.0
"""One lab minute per real second: `commit confirmed 1` rolls back after 1 s."""


@pytest.fixture(scope="module")
def lab() -> Iterator[LabThread]:
    with LabThread(LabSpec(devices=3, seed=11, time_scale=TIME_SCALE), timeout=20) as running:
        yield running


def _params(lab: LabThread, **extra: Any) -> dict[str, Any]:
    info = lab.info("r3")
    assert info.platform == "juniper_junos"
    return {"device_type": "juniper_junos", "host": info.host, "port": info.port,
            "username": info.username, "password": info.password, "timeout": 10,
            "conn_timeout": 10, "auth_timeout": 10, "banner_timeout": 10, **extra}


def _show(lab: LabThread, command: str) -> str:
    with ConnectHandler(**_params(lab)) as conn:
        return str(conn.send_command(command, read_timeout=10))


def test_netmiko_pushes_commits_and_a_new_session_sees_it(lab: LabThread) -> None:
    with ConnectHandler(**_params(lab)) as conn:
        assert conn.find_prompt() == "admin@r3>"
        conn.send_config_set(["set vlans lab-push vlan-id 321",
                              'set interfaces ge-0/0/4 description "pushed by netmiko"'])
        assert "commit complete" in conn.commit()
        conn.exit_config_mode()
    shown = _show(lab, "show configuration")
    assert "lab-push {\n        vlan-id 321;" in shown
    assert 'description "pushed by netmiko";' in shown
    config_lines = lab.config_lines_received("r3")
    assert "set vlans lab-push vlan-id 321" in config_lines
    assert "commit" in config_lines


@pytest.mark.slow
def test_sshdetect_says_juniper_junos(lab: LabThread) -> None:
    params = _params(lab, device_type="autodetect")
    assert SSHDetect(**params).autodetect() == "juniper_junos"


def test_ntc_templates_parse_show_version(lab: LabThread) -> None:
    with ConnectHandler(**_params(lab)) as conn:
        parsed = conn.send_command("show version", use_textfsm=True, read_timeout=10)
    facts = lab.device("r3").facts
    assert isinstance(parsed, list) and len(parsed) == 1
    assert parsed[0]["hostname"] == "r3"
    assert parsed[0]["model"] == facts["model"]
    assert parsed[0]["junos_version"] == facts["version"]


def test_commit_confirmed_rolls_back_unless_confirmed(lab: LabThread) -> None:
    with ConnectHandler(**_params(lab)) as conn:
        conn.send_config_set(["set snmp contact unconfirmed@example.net"],
                             exit_config_mode=False)
        out = conn.commit(confirm=True, confirm_delay=1)
        assert "rolled back in 1 minutes unless confirmed" in out
        conn.exit_config_mode()
    assert "unconfirmed@example.net" in _show(lab, "show configuration snmp")
    time.sleep(60 / TIME_SCALE + 0.5)
    assert "unconfirmed@example.net" not in _show(lab, "show configuration snmp")

    with ConnectHandler(**_params(lab)) as conn:
        conn.send_config_set(["set snmp contact confirmed@example.net"], exit_config_mode=False)
        conn.commit(confirm=True, confirm_delay=1)
        assert "commit complete" in conn.commit()  # the confirming commit
        conn.exit_config_mode()
    time.sleep(60 / TIME_SCALE + 0.5)
    assert "confirmed@example.net" in _show(lab, "show configuration snmp")


def test_rollback_one_restores_the_previous_commit(lab: LabThread) -> None:
    before = _show(lab, "show configuration system host-name")
    with ConnectHandler(**_params(lab)) as conn:
        conn.send_config_set(["set system time-zone UTC"], exit_config_mode=False)
        conn.commit()
        assert "time-zone UTC;" in conn.send_command("show system", expect_string=r"#")
        out = conn.send_command("rollback 1", expect_string=r"#")
        assert "load complete" in out
        assert "-   time-zone UTC;" in conn.send_command("show | compare", expect_string=r"#")
        conn.commit()
        conn.exit_config_mode()
    assert "time-zone UTC" not in _show(lab, "show configuration system")
    assert _show(lab, "show configuration system host-name") == before


def test_leaving_with_uncommitted_changes_asks_first(lab: LabThread) -> None:
    with ConnectHandler(**_params(lab)) as conn:
        conn.config_mode()
        conn.send_command("set snmp location never-committed", expect_string=r"#")
        out = conn.exit_config_mode()
        assert "The configuration has been changed but not committed" in out
        assert "Exit with uncommitted changes? [yes,no] (yes)" in out
        assert not conn.check_config_mode()
        assert "never-committed" not in conn.send_command("show configuration snmp")
        conn.config_mode()
        conn.send_command("rollback 0", expect_string=r"#")
        conn.exit_config_mode()


def test_a_bad_line_is_a_syntax_error_and_netmiko_sees_it(lab: LabThread) -> None:
    with ConnectHandler(**_params(lab)) as conn:
        out = conn.send_command("show bogus")
        assert out.splitlines()[-1] == "syntax error."
        with pytest.raises(ConfigInvalidException):
            conn.send_config_set(["set protocols frobnicate on"],
                                 error_pattern=r"syntax error|unknown command")
        conn.exit_config_mode()
    device = lab.device("r3")
    assert isinstance(device, JunosDevice)
    assert "frobnicate" not in device.running.render()


async def test_exit_in_operational_mode_closes_with_status_zero(lab: LabThread) -> None:
    info = lab.info("r3")
    async with asyncssh.connect(info.host, info.port, username=info.username,
                                password=info.password, known_hosts=None) as conn:
        process = await conn.create_process(term_type="vt100")
        process.stdin.write("exit\n")
        result = await asyncio.wait_for(process.wait(), timeout=10)
    assert result.exit_status == 0
