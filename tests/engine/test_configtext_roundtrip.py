"""Any change, pushed then rolled back, leaves the device as it was; pushed twice, the second
push sends nothing. Checked on random changes drawn from what the bundled tasks push."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nocdeck.engine.configtext import inverse, lines_to_push, merge, normalise, same_config
from tests.engine.test_configtext_eos import RUNNING as EOS_RUNNING
from tests.engine.test_configtext_ios import RUNNING as IOS_RUNNING
from tests.engine.test_configtext_junos import RUNNING as JUNOS_RUNNING

_PORTS = ["GigabitEthernet1/0/1", "Gi1/0/2", "GigabitEthernet1/0/3", "GigabitEthernet1/0/9"]


def _ios_change() -> st.SearchStrategy[list[str]]:
    port = st.sampled_from(_PORTS)
    child = st.sampled_from([
        " description Desk A", " description Desk 1-02", " switchport access vlan 20",
        " switchport access vlan 10", " shutdown", " no shutdown", " no description",
        " spanning-tree portfast", " no spanning-tree portfast"])
    interface = st.builds(lambda p, kids: [f"interface {p}", *kids], port,
                          st.lists(child, min_size=1, max_size=3))
    vlan = st.sampled_from([["vlan 30", " name printers2"], ["no vlan 30"], ["no vlan 10"],
                            ["vlan 50", " name guests"], ["vlan 40"]])
    global_line = st.sampled_from([
        ["ntp server 10.0.0.3"], ["no ntp server 10.0.0.1"], ["hostname sw-x"],
        ["snmp-server location roof"], ["no interface Loopback5"],
        ["interface Loopback6", " ip address 10.6.6.6 255.255.255.255"],
        ["banner motd ^", "Keep out", "^"], ["no snmp-server contact"],
        ["line vty 0 4", " transport input ssh telnet"]])
    return st.lists(st.one_of(interface, vlan, global_line), max_size=6).map(
        lambda parts: [line for part in parts for line in part])


def _junos_change() -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from([
        "set system host-name core-sw9", "set system ntp server 10.0.0.99",
        "delete system ntp server 10.0.0.1", "set vlans printers vlan-id 30",
        "delete vlans voice", 'set vlans voice description "Phones"',
        'set interfaces ge-0/0/1 description "Uplink"', "delete interfaces ge-0/0/1",
        "set interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members printers",
        "delete interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members users",
        "activate interfaces ge-0/0/3", "set interfaces ge-0/0/4 disable",
        'set snmp location "roof"', "delete snmp community Nm0nitor42",
    ]), max_size=6)


def _check(platform: str, running: str, candidate: list[str]) -> None:
    pushed = lines_to_push(platform, running, candidate)
    intended = merge(platform, running, candidate)
    assert merge(platform, running, pushed) == intended
    assert lines_to_push(platform, intended, candidate) == []
    assert (pushed == []) == (intended == normalise(platform, running))
    undo = inverse(platform, running, pushed)
    restored = merge(platform, intended, undo.lines)
    assert same_config(platform, restored, running), (pushed, undo)


@settings(max_examples=150, deadline=None)
@given(_ios_change())
def test_ios_changes_round_trip(candidate: list[str]) -> None:
    _check("cisco_ios", IOS_RUNNING, candidate)


@settings(max_examples=60, deadline=None)
@given(_ios_change())
def test_eos_changes_round_trip(candidate: list[str]) -> None:
    eos = [line.replace("GigabitEthernet1/0/", "Ethernet").replace("Gi1/0/", "Et")
           .replace("^", "EOF" if line == "^" else "") for line in candidate]
    eos = ["banner motd" if line == "banner motd " else line for line in eos]
    _check("arista_eos", EOS_RUNNING, eos)


@settings(max_examples=150, deadline=None)
@given(_junos_change())
def test_junos_changes_round_trip(candidate: list[str]) -> None:
    _check("juniper_junos", JUNOS_RUNNING, candidate)
