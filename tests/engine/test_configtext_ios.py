"""IOS / IOS-XE: the intended config, the lines to push and their inverse, as the device
would apply them."""

from __future__ import annotations

import pytest

from nocdeck.engine.configtext import (
    ConfigTextError,
    inverse,
    lines_to_push,
    merge,
    normalise,
    preview,
    same_config,
)

RUNNING = """\
Building configuration...

Current configuration : 2114 bytes
!
version 15.2
service timestamps log datetime msec
hostname access-sw1
!
enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0
username admin privilege 15 secret 5 $1$Xy7A$Q0n9uZ0GJ2b8bN8m1fQ2x/
!
banner motd ^C
Authorized access only.
Activity on this device is logged.
^C
!
ntp server 10.0.0.1
ntp server 10.0.0.2
!
snmp-server community Nm0nitor42 RO
snmp-server location HQ floor 2 IDF
snmp-server contact noc@example.net
!
interface GigabitEthernet1/0/1
 description Desk 1-01
 switchport mode access
 switchport access vlan 10
 spanning-tree portfast
!
interface GigabitEthernet1/0/2
 description Desk 1-02
 switchport mode access
 switchport access vlan 10
 shutdown
!
interface GigabitEthernet1/0/3
 description Printer 1
 switchport mode access
 switchport access vlan 30
!
interface Loopback5
 ip address 10.5.5.5 255.255.255.255
!
interface Vlan99
 ip address 10.99.0.11 255.255.255.0
!
vlan 10
 name users
!
vlan 30
 name printers
!
vlan 40
 name cameras
!
line vty 0 4
 login local
 transport input ssh
!
end
"""

PLATFORMS = ["cisco_ios", "cisco_xe"]


@pytest.fixture(params=PLATFORMS)
def platform(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _lines(text: str) -> list[str]:
    return text.splitlines()


def test_a_running_config_reads_and_renders_back_unchanged(platform: str) -> None:
    assert normalise(platform, RUNNING) == RUNNING


def test_a_new_description_replaces_the_old_one(platform: str) -> None:
    candidate = ["interface GigabitEthernet1/0/2", " description Hot desk 102"]
    intended = merge(platform, RUNNING, candidate)
    assert " description Hot desk 102" in _lines(intended)
    assert " description Desk 1-02" not in _lines(intended)
    assert lines_to_push(platform, RUNNING, candidate) == candidate


def test_pushing_what_is_already_there_sends_nothing(platform: str) -> None:
    candidate = ["interface GigabitEthernet1/0/1", " description Desk 1-01",
                 " switchport access vlan 10", "ntp server 10.0.0.2", "hostname access-sw1",
                 "no ntp server 10.9.9.9", "no interface Loopback77"]
    change = preview(platform, RUNNING, candidate)
    assert change.push == []
    assert change.no_change
    assert change.intended == RUNNING
    assert not change.diff.changed


def test_access_vlan_and_shutdown_are_replaced_in_place(platform: str) -> None:
    candidate = ["interface Gi1/0/2", " switchport access vlan 20", " no shutdown"]
    change = preview(platform, RUNNING, candidate)
    section = _section(change.intended, "interface GigabitEthernet1/0/2")
    assert section == ["interface GigabitEthernet1/0/2", " description Desk 1-02",
                       " switchport mode access", " switchport access vlan 20"]
    # The short name is the same interface, pushed under the name the device shows.
    assert change.push == ["interface GigabitEthernet1/0/2", " switchport access vlan 20",
                           " no shutdown"]
    shut = merge(platform, change.intended, ["interface Gi1/0/2", " shutdown"])
    assert _section(shut, "interface GigabitEthernet1/0/2")[-1] == " shutdown"


def test_hostname_and_snmp_settings_replace_their_old_values(platform: str) -> None:
    candidate = ["hostname access-sw9", "snmp-server location DC1 row 3",
                 "snmp-server community Nm0nitor42 RW"]
    intended = _lines(merge(platform, RUNNING, candidate))
    assert "hostname access-sw9" in intended and "hostname access-sw1" not in intended
    assert "snmp-server location DC1 row 3" in intended
    assert "snmp-server location HQ floor 2 IDF" not in intended
    assert [line for line in intended if line.startswith("snmp-server community")] == [
        "snmp-server community Nm0nitor42 RW"]


def test_ntp_servers_are_added_and_removed_one_by_one(platform: str) -> None:
    candidate = ["ntp server 10.0.0.3", "no ntp server 10.0.0.1"]
    intended = _lines(merge(platform, RUNNING, candidate))
    assert [line for line in intended if line.startswith("ntp ")] == [
        "ntp server 10.0.0.2", "ntp server 10.0.0.3"]
    assert lines_to_push(platform, RUNNING, candidate) == candidate


def test_no_interface_removes_the_whole_section(platform: str) -> None:
    change = preview(platform, RUNNING, ["no interface Loopback5"])
    assert "interface Loopback5" not in change.intended
    assert " ip address 10.5.5.5 255.255.255.255" not in change.intended
    assert "!\n!\n" not in change.intended  # no doubled separator left behind
    assert change.push == ["no interface Loopback5"]
    assert (change.diff.added, change.diff.removed) == (0, 3)


def test_vlans_are_removed_and_added_in_their_place(platform: str) -> None:
    candidate = ["no vlan 30", "vlan 20", " name voice"]
    intended = merge(platform, RUNNING, candidate)
    assert "vlan 30" not in _lines(intended)
    vlans = [line for line in _lines(intended) if line.startswith("vlan ")]
    assert vlans == ["vlan 10", "vlan 20", "vlan 40"]
    assert _section(intended, "vlan 20") == ["vlan 20", " name voice"]
    assert "!\nvlan 20\n name voice\n!\nvlan 40\n" in intended


def test_a_new_interface_section_lands_among_its_kind_with_separators(platform: str) -> None:
    candidate = ["interface Loopback6", " description router id", " ip address 10.6.6.6 "
                 "255.255.255.255"]
    intended = merge(platform, RUNNING, candidate)
    assert ("interface Loopback5\n ip address 10.5.5.5 255.255.255.255\n!\n"
            "interface Loopback6\n description router id\n"
            " ip address 10.6.6.6 255.255.255.255\n!\ninterface Vlan99\n") in intended


def test_the_banner_is_replaced_whatever_delimiter_the_template_used(platform: str) -> None:
    candidate = ["banner motd #", "Authorized access only. Disconnect now", "#"]
    change = preview(platform, RUNNING, candidate)
    assert "banner motd ^C\nAuthorized access only. Disconnect now\n^C\n" in change.intended
    assert "Activity on this device is logged." not in change.intended
    assert change.push == ["banner motd ^C", "Authorized access only. Disconnect now", "^C"]
    same = ["banner motd ^", "Authorized access only.", "Activity on this device is logged.", "^"]
    assert lines_to_push(platform, RUNNING, same) == []
    single = ["banner motd ^CAuthorized access only. Disconnect now^C"]
    assert lines_to_push(platform, change.intended, single) == []


def test_candidate_lines_without_indentation_follow_the_cli_modes(platform: str) -> None:
    flat = ["interface GigabitEthernet1/0/3", "description Printer 2",
            "switchport access vlan 40", "ntp server 10.0.0.9", "interface Gi1/0/1",
            "shutdown", "exit", "snmp-server location roof"]
    indented = ["interface GigabitEthernet1/0/3", " description Printer 2",
                " switchport access vlan 40", "ntp server 10.0.0.9",
                "interface GigabitEthernet1/0/1", " shutdown", "snmp-server location roof"]
    assert merge(platform, RUNNING, flat) == merge(platform, RUNNING, indented)
    assert lines_to_push(platform, RUNNING, flat) == [
        "interface GigabitEthernet1/0/3", " description Printer 2",
        " switchport access vlan 40", "exit", "ntp server 10.0.0.9",
        "interface GigabitEthernet1/0/1", " shutdown", "exit", "snmp-server location roof"]


def test_no_ip_address_is_kept_as_the_device_shows_it(platform: str) -> None:
    intended = merge(platform, RUNNING, ["interface Vlan99", " no ip address"])
    assert _section(intended, "interface Vlan99") == ["interface Vlan99", " no ip address"]
    again = merge(platform, intended, ["interface Vlan99", " ip address 10.99.0.12 "
                                       "255.255.255.0"])
    assert _section(again, "interface Vlan99") == ["interface Vlan99",
                                                   " ip address 10.99.0.12 255.255.255.0"]


def test_rollback_pushes_the_inverse_and_restores_the_running_config(platform: str) -> None:
    candidate = ["hostname access-sw9", "interface Gi1/0/2", " description Hot desk",
                 " switchport access vlan 20", " no shutdown", "no interface Loopback5",
                 "no vlan 30", "vlan 50", " name guests", "ntp server 10.0.0.3",
                 "snmp-server location roof", "banner motd ^", "Go away", "^",
                 "line vty 0 4", " transport input ssh telnet"]
    applied = lines_to_push(platform, RUNNING, candidate)
    after = merge(platform, RUNNING, applied)
    undo = inverse(platform, RUNNING, applied)
    assert undo.left_alone == []
    assert "no vlan 50" in undo.lines and "no ntp server 10.0.0.3" in undo.lines
    assert undo.lines[undo.lines.index("interface GigabitEthernet1/0/2") + 1:][:3] == [
        " description Desk 1-02", " switchport access vlan 10", " shutdown"]
    assert "hostname access-sw1" in undo.lines
    assert undo.lines[undo.lines.index("vlan 30"):][:2] == ["vlan 30", " name printers"]
    assert merge(platform, after, undo.lines) == RUNNING


def test_rollback_never_pushes_a_masked_secret(platform: str) -> None:
    masked_backup = RUNNING.replace("Nm0nitor42", "**********").replace(
        "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0", "******************************")
    applied = ["no snmp-server community ********** RO", "enable secret 5 $1$new$ABCDEFG",
               "hostname access-sw9"]
    undo = inverse(platform, masked_backup, applied)
    assert all("*" not in line for line in undo.lines)
    assert undo.lines == ["hostname access-sw1"]
    left = {item.line for item in undo.left_alone}
    assert left == {"snmp-server community ********** RO",
                    "enable secret 5 ******************************"}
    assert all("masked" in item.reason for item in undo.left_alone)


def test_the_inverse_of_nothing_is_nothing(platform: str) -> None:
    assert inverse(platform, RUNNING, []).lines == []
    assert inverse(platform, RUNNING, ["interface Gi1/0/1", " description Desk 1-01"]).lines == []


def test_same_config_ignores_the_order_the_device_lists_things_in(platform: str) -> None:
    swapped = RUNNING.replace("ntp server 10.0.0.1\nntp server 10.0.0.2",
                              "ntp server 10.0.0.2\nntp server 10.0.0.1")
    assert same_config(platform, RUNNING, swapped)
    assert not same_config(platform, RUNNING, swapped.replace("10.0.0.2", "10.0.0.3"))


def test_a_rendered_template_given_as_one_text_is_read_line_by_line(platform: str) -> None:
    text = "interface GigabitEthernet1/0/2\n description Hot desk 102\n"
    assert lines_to_push(platform, RUNNING, text) == text.splitlines()
    assert inverse(platform, RUNNING, text).lines == ["interface GigabitEthernet1/0/2",
                                                      " description Desk 1-02"]


def test_an_unknown_platform_is_named_in_the_error() -> None:
    with pytest.raises(ConfigTextError, match=r"unknown platform 'cisco_nxos'.*cisco_ios"):
        merge("cisco_nxos", RUNNING, [])


def test_a_banner_without_a_delimiter_is_a_clear_error(platform: str) -> None:
    with pytest.raises(ConfigTextError, match=r"banner motd.*no delimiter"):
        merge(platform, RUNNING, ["banner motd"])


def _section(text: str, header: str) -> list[str]:
    lines = _lines(text)
    start = lines.index(header)
    out = [header]
    for line in lines[start + 1:]:
        if not line.startswith(" "):
            break
        out.append(line)
    return out
