"""Junos: compared in `display set` form; `set` replaces a leaf's value, `delete` removes a
subtree, rollback deletes what was added and sets back what was changed."""

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

P = "juniper_junos"

RUNNING = """\
## Last commit: 2024-05-02 10:12:44 UTC by admin
version 21.4R3-S5.4;
system {
    host-name sw9;
    root-authentication {
        encrypted-password "$6$5cxqUNMF$h0E3amFUY70VaOjnsEce7Kq"; ## SECRET-DATA
    }
    login {
        message "Authorized access only.";
    }
    services {
        ssh {
            root-login deny;
        }
        netconf {
            ssh;
        }
    }
    ntp {
        server 192.0.2.10;
        server 10.0.0.1;
    }
}
interfaces {
    ge-0/0/1 {
        description "Phone 3-02";
        unit 0 {
            family ethernet-switching {
                interface-mode access;
                vlan {
                    members [ voice users ];
                }
            }
        }
    }
    /* parked until the move */
    inactive: ge-0/0/3 {
        description "Desk 1-04";
        disable;
    }
}
snmp {
    location "HQ floor 2 IDF";
    community Nm0nitor42 {
        authorization read-only;
    }
}
vlans {
    users {
        vlan-id 10;
    }
    voice {
        description "IP phones";
        vlan-id 20;
    }
}
"""

SET_FORM = """\
set version 21.4R3-S5.4
set system host-name sw9
set system root-authentication encrypted-password "$6$5cxqUNMF$h0E3amFUY70VaOjnsEce7Kq"
set system login message "Authorized access only."
set system services ssh root-login deny
set system services netconf ssh
set system ntp server 192.0.2.10
set system ntp server 10.0.0.1
set interfaces ge-0/0/1 description "Phone 3-02"
set interfaces ge-0/0/1 unit 0 family ethernet-switching interface-mode access
set interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members voice
set interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members users
set interfaces ge-0/0/3 description "Desk 1-04"
set interfaces ge-0/0/3 disable
deactivate interfaces ge-0/0/3
set snmp location "HQ floor 2 IDF"
set snmp community Nm0nitor42 authorization read-only
set vlans users vlan-id 10
set vlans voice description "IP phones"
set vlans voice vlan-id 20
"""


def test_the_braces_form_reads_as_its_display_set_lines() -> None:
    assert normalise(P, RUNNING) == SET_FORM
    assert normalise(P, SET_FORM) == SET_FORM


def test_set_replaces_a_leaf_and_adds_to_a_list() -> None:
    candidate = ["set system host-name core-sw9", 'set interfaces ge-0/0/1 description "Uplink"',
                 "set system ntp server 10.0.0.99"]
    change = preview(P, RUNNING, candidate)
    lines = change.intended.splitlines()
    assert "set system host-name core-sw9" in lines and "set system host-name sw9" not in lines
    assert 'set interfaces ge-0/0/1 description "Uplink"' in lines
    assert [line for line in lines if "ntp server" in line] == [
        "set system ntp server 192.0.2.10", "set system ntp server 10.0.0.1",
        "set system ntp server 10.0.0.99"]
    assert change.push == candidate
    assert (change.diff.added, change.diff.removed) == (3, 2)


def test_delete_removes_a_whole_subtree() -> None:
    intended = merge(P, RUNNING, ["delete vlans voice"])
    assert "vlans voice" not in intended
    assert "set vlans users vlan-id 10" in intended


def test_what_is_already_there_is_not_pushed_again() -> None:
    candidate = ["set system host-name sw9", "set vlans users vlan-id 10",
                 "set interfaces ge-0/0/1 unit 0", "delete vlans printers",
                 "set system ntp server 10.0.0.1"]
    change = preview(P, RUNNING, candidate)
    assert change.push == []
    assert change.intended == SET_FORM


def test_a_candidate_in_braces_is_merged_as_its_set_lines() -> None:
    candidate = ["vlans {", "    printers {", "        vlan-id 30;", "    }", "}"]
    assert lines_to_push(P, RUNNING, candidate) == ["set vlans printers vlan-id 30"]


def test_a_new_vlan_goes_in_its_natural_place() -> None:
    intended = merge(P, RUNNING, ["set vlans printers vlan-id 30"])
    assert intended.splitlines()[-4:] == ["set vlans printers vlan-id 30",
                                          "set vlans users vlan-id 10",
                                          'set vlans voice description "IP phones"',
                                          "set vlans voice vlan-id 20"]


def test_rollback_deletes_what_was_added_and_sets_back_what_changed() -> None:
    applied = ["set system host-name core-sw9", "set vlans printers vlan-id 30",
               "set system ntp server 10.0.0.99", "delete vlans voice",
               "delete interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members users",
               "activate interfaces ge-0/0/3"]
    pushed = lines_to_push(P, RUNNING, applied)
    assert pushed == applied
    undo = inverse(P, RUNNING, pushed)
    assert undo.left_alone == []
    assert "delete vlans printers" in undo.lines  # the whole new VLAN, not just its id
    assert "delete system ntp server 10.0.0.99" in undo.lines
    assert "set system host-name sw9" in undo.lines
    assert "deactivate interfaces ge-0/0/3" in undo.lines
    assert {"set vlans voice vlan-id 20", 'set vlans voice description "IP phones"'} <= set(
        undo.lines)
    after = merge(P, RUNNING, pushed)
    assert same_config(P, merge(P, after, undo.lines), RUNNING)


def test_rollback_never_sets_a_masked_password() -> None:
    masked = RUNNING.replace("$6$5cxqUNMF$h0E3amFUY70VaOjnsEce7Kq", "*" * 33)
    applied = ['set system root-authentication encrypted-password "$6$new$XYZ"',
               "set system host-name sw10"]
    undo = inverse(P, masked, applied)
    assert undo.lines == ["set system host-name sw9"]
    assert [item.line for item in undo.left_alone] == [
        'set system root-authentication encrypted-password "' + "*" * 33 + '"']


def test_a_candidate_line_that_is_not_a_statement_names_its_line() -> None:
    with pytest.raises(ConfigTextError, match="line 2 'commit confirmed 5'"):
        merge(P, RUNNING, ["set system host-name x", "commit confirmed 5"])


def test_unbalanced_braces_are_a_clear_error() -> None:
    with pytest.raises(ConfigTextError, match="'}' or ';' is missing"):
        normalise(P, "system {\n    host-name sw1;\n")
