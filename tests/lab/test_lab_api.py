"""The lab's Python API and config model, as other parts of nocdeck and their tests use them."""

from __future__ import annotations

import copy
from collections.abc import Callable

import asyncssh
import pytest

from nocdeck.errors import LabError
from nocdeck.lab import Lab, LabSpec, LabThread
from nocdeck.lab.cisco import CiscoSession
from nocdeck.lab.ciscoconf import CiscoConfig
from nocdeck.lab.generate import initial_config, new_cisco_device

pytestmark = pytest.mark.timeout(60)


def _session(platform: str = "cisco_ios") -> CiscoSession:
    session = CiscoSession(new_cisco_device(platform, "r1", seed=1, index=0), 1, "admin")
    session.handle_line("enable")
    session.handle_line("nocdeck-enable")
    session.handle_line("configure terminal")
    return session


def _run(session: CiscoSession, *lines: str) -> str:
    return "\n".join(session.handle_line(line).output for line in lines)


def test_lab_fixture_has_ios_eos_and_junos(lab: LabThread) -> None:
    assert [(d.name, d.platform) for d in lab.devices] == [
        ("r1", "cisco_ios"), ("r2", "arista_eos"), ("r3", "juniper_junos")]
    assert lab.info("r3").secret == ""
    assert lab.device("r3").time_scale == 60.0
    inventory = lab.inventory()
    assert all(d.credentials == "lab" and not d.host_key_check for d in inventory)


def test_inventory_lists_every_interface_of_the_running_config(
        lab_factory: Callable[[LabSpec], LabThread]) -> None:
    lab = lab_factory(LabSpec(devices=2, platforms=("cisco_ios", "arista_eos")))
    for device in lab.inventory():
        running = lab.running_config(device.name)
        headers = [line.split(" ", 1)[1] for line in running.splitlines()
                   if line.startswith("interface ")]
        assert [i.name for i in device.interfaces] == headers
        assert 24 <= sum(1 for i in device.interfaces if "thernet" in i.name) <= 48
        assert {v.id for v in device.vlans} >= {1, 10, 99}
        assert any(a.interface == "Loopback0" for a in device.ip_addresses)
        trunk = next(i for i in device.interfaces if i.mode == "trunk")
        assert 99 in trunk.tagged_vlans


def test_seed_makes_configs_reproducible() -> None:
    same = initial_config("cisco_ios", "r1", seed=7, index=0)[0]
    assert same == initial_config("cisco_ios", "r1", seed=7, index=0)[0]
    assert same != initial_config("cisco_ios", "r1", seed=8, index=0)[0]
    text = initial_config("arista_eos", "r2", seed=7, index=1)[0]
    for needed in ("snmp-server community", "ntp server", "enable password sha512",
                   "username admin", "logging host", "banner motd", "vlan 10"):
        assert needed in text


def test_bad_specs_are_lab_errors() -> None:
    for spec, said in [(LabSpec(devices=0), "at least 1"),
                       (LabSpec(devices=2, platforms=("vyos",)), "unknown platform vyos"),
                       (LabSpec(devices=1, time_scale=0), "--time-scale"),
                       (LabSpec(devices=3, port_base=65534), "leaves no room")]:
        with pytest.raises(LabError, match=said):
            Lab(spec)


async def test_rotate_host_key_keeps_the_port(lab_factory: Callable[[LabSpec], LabThread]
                                              ) -> None:
    lab = lab_factory(LabSpec(devices=1, platforms=("arista_eos",)))
    info = lab.info("r1")

    async def server_key() -> str:
        async with asyncssh.connect(info.host, port=info.port, username=info.username,
                                    password=info.password, known_hosts=None) as conn:
            key = conn.get_server_host_key()
            assert key is not None
            return str(key.get_fingerprint())

    before = await server_key()
    assert before == lab.lab.host_key_fingerprint("r1")
    lab.rotate_host_key("r1")
    after = await server_key()
    assert after != before and lab.info("r1").port == info.port


def test_no_default_and_submode_fallback() -> None:
    session = _session()
    _run(session, "interface GigabitEthernet1/0/3", "description temp", "shutdown",
         "no shutdown", "switchport mode trunk", "switchport trunk allowed vlan 10,20",
         "switchport trunk allowed vlan add 30-32", "switchport trunk allowed vlan remove 20")
    block = session.handle_line("do show running-config interface Gi1/0/3").output
    assert "switchport trunk allowed vlan 10,30-32" in block and "shutdown" not in block
    assert session.prompt() == "r1(config-if)#"
    _run(session, "vlan 500")
    assert session.prompt() == "r1(config-vlan)#", "a global command leaves the sub-mode"
    _run(session, "name five-hundred", "exit", "no vlan 500", "default interface gi1/0/3",
         "no snmp-server community", "no logging host 10.0.10.5", "interface loopback 9",
         "exit", "no interface Loopback9")
    running = session.config.render()
    assert "vlan 500" not in running and "snmp-server community" not in running
    assert "logging host 10.0.10.5" not in running and "logging host 10.0.10.6" in running
    assert "interface GigabitEthernet1/0/3\n!" in running
    assert "Loopback9" not in running


def test_banner_multiline_and_secrets_are_hashed() -> None:
    session = _session()
    assert "End with the character '#'" in session.handle_line("banner motd #").output
    _run(session, "Line one", "Line two#")
    assert session.config.banner == ["Line one", "Line two"]
    _run(session, "enable secret s3cret-new", "username ops privilege 15 secret 0 opspass")
    running = session.config.render()
    assert "s3cret-new" not in running and "opspass" not in running
    assert "username ops privilege 15 secret 9 $9$" in running
    _run(session, "end", "disable")
    session.handle_line("enable")
    session.handle_line("s3cret-new")
    assert session.prompt() == "r1#"
    eos = _session("arista_eos")
    _run(eos, "banner motd", "Hello", "EOF")
    assert "banner motd\nHello\nEOF" in eos.config.render()
    assert "% Invalid input (at token 1: 'bogus')" in eos.handle_line("ntp bogus").output


@pytest.mark.parametrize("platform", ["cisco_ios", "arista_eos"])
def test_show_running_config_follows_every_kind_of_change(platform: str) -> None:
    session = _session(platform)
    port = "GigabitEthernet1/0/3" if platform == "cisco_ios" else "Ethernet3"
    banner = (["banner motd #", "Line one#"] if platform == "cisco_ios"
              else ["banner motd", "Line one", "EOF"])
    changes = [f"interface {port}", "description printed then changed", "shutdown",
               "switchport mode trunk", "switchport trunk allowed vlan 10,20",
               "switchport trunk allowed vlan add 30", "no shutdown", "vlan 500", "name five",
               "exit", "no vlan 500", f"default interface {port}", "interface loopback 9",
               "exit", "no interface Loopback9", f"no interface {port}", "hostname core-r1",
               *banner, "no banner motd", "enable secret s3cret-new", "no enable secret",
               "username ops privilege 15 secret 0 opspass", "no username ops",
               "ntp server 10.9.9.9", "no ntp server 10.9.9.9"]
    for line in changes:
        session.config.render()  # printed, then changed
        session.handle_line(line)
        fresh = CiscoConfig(session.config.layout, copy.deepcopy(session.config.nodes))
        assert session.config.render() == fresh.render(), line
    session.handle_line("do write memory")
    session.handle_line("ntp server 10.9.9.8")
    startup = session.device.startup
    assert "10.9.9.8" in session.config.render() and "10.9.9.8" not in startup.render()
