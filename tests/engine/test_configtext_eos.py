"""Arista EOS: three-space sections, `EOF` banners, `Et1` for `Ethernet1`."""

from __future__ import annotations

from nocdeck.engine.configtext import inverse, lines_to_push, merge, normalise, preview

RUNNING = """\
! Command: show running-config
! device: leaf1 (vEOS-lab, EOS-4.30.1F)
!
! boot system flash:/vEOS-lab.swi
!
hostname leaf1
!
username admin privilege 15 role network-admin secret sha512 $6$Kx7v$abcdefghijkl
!
banner motd
Authorized access only
EOF
!
ntp server 10.0.0.1
!
snmp-server location DC1 row 3
snmp-server community ro-Kx7vP2 ro
!
vlan 10
   name users
!
vlan 20
   name voice
!
interface Ethernet1
   description Desk 1-01
   switchport access vlan 10
!
interface Ethernet2
   description Phone 1-02
   switchport access vlan 20
   shutdown
!
interface Management1
   ip address 192.0.2.11/24
!
end
"""

P = "arista_eos"


def test_an_eos_running_config_reads_and_renders_back_unchanged() -> None:
    assert normalise(P, RUNNING) == RUNNING


def test_section_children_are_pushed_with_eos_indentation() -> None:
    change = preview(P, RUNNING, ["interface Et2", "   description Phone 2-02",
                                  "   switchport access vlan 10", "   no shutdown"])
    assert change.push == ["interface Ethernet2", "   description Phone 2-02",
                           "   switchport access vlan 10", "   no shutdown"]
    assert ("interface Ethernet2\n   description Phone 2-02\n   switchport access vlan 10\n!\n"
            in change.intended)


def test_a_new_vlan_goes_between_its_neighbours() -> None:
    intended = merge(P, RUNNING, ["vlan 15", "name printers"])
    assert "vlan 10\n   name users\n!\nvlan 15\n   name printers\n!\nvlan 20\n" in intended


def test_the_eos_banner_ends_with_eof_and_is_idempotent() -> None:
    candidate = ["banner motd", "Authorized access only. Disconnect now", "EOF"]
    change = preview(P, RUNNING, candidate)
    assert "banner motd\nAuthorized access only. Disconnect now\nEOF\n" in change.intended
    assert change.push == candidate
    assert lines_to_push(P, change.intended, candidate) == []


def test_removing_a_community_and_rolling_it_back() -> None:
    applied = lines_to_push(P, RUNNING, ["no snmp-server community ro-Kx7vP2"])
    assert applied == ["no snmp-server community ro-Kx7vP2"]
    after = merge(P, RUNNING, applied)
    assert "ro-Kx7vP2" not in after
    undo = inverse(P, RUNNING, applied)
    assert undo.lines == ["snmp-server community ro-Kx7vP2 ro"]
    assert merge(P, after, undo.lines) == RUNNING


def test_a_masked_user_secret_is_left_alone_by_rollback() -> None:
    masked = RUNNING.replace("$6$Kx7v$abcdefghijkl", "*" * 20)
    undo = inverse(P, masked, ["no username admin", "hostname leaf9"])
    assert undo.lines == ["hostname leaf1"]
    assert [item.line for item in undo.left_alone] == [
        "username admin privilege 15 role network-admin secret sha512 " + "*" * 20]
