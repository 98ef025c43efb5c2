"""Inputs as an engineer types them (`--input vlan=120`), and interface names in short form."""

from __future__ import annotations

import pytest

from nocdeck.catalog import load_catalog, normalise_interface, same_interface, short_interface
from nocdeck.config import load_settings
from nocdeck.errors import InputError


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(load_settings(env={}))


def test_strings_are_coerced_by_the_schema_and_defaults_filled(catalog) -> None:
    values = catalog.coerce_inputs("access-port-vlan",
                                   {"device": "ios-1", "interface": "Gi1/0/1", "vlan": "120"})
    assert values == {"device": "ios-1", "interface": "Gi1/0/1", "vlan": 120, "description": ""}
    state = catalog.coerce_inputs("interface-state", {"device": "ios-1", "interface": "Et1",
                                                      "enabled": "no",
                                                      "confirm_shutdown": "yes"})
    assert state["enabled"] is False and state["confirm_shutdown"] is True
    ntp = catalog.coerce_inputs("ntp-servers", {"device": "r1",
                                                "servers": "192.0.2.1, 192.0.2.2"})
    assert ntp["servers"] == ["192.0.2.1", "192.0.2.2"]
    banner = catalog.coerce_inputs("login-banner", {"device": "r1"})
    assert banner["banner"].startswith("Authorized access only.")


def test_schema_errors_name_each_field_at_once(catalog) -> None:
    with pytest.raises(InputError) as caught:
        catalog.coerce_inputs("access-port-vlan", {"device": "ios-1", "interface": "Gi1/0/1",
                                                   "vlan": "5000", "colour": "red"})
    message = str(caught.value)
    assert message.startswith("workflow access-port-vlan: ")
    assert "input 'colour': workflow 'access-port-vlan' has no such input" in message
    assert "input 'vlan': 5000 is greater than the maximum of 4094" in message
    assert caught.value.exit_code == 2


def test_a_value_that_cannot_be_coerced_names_the_field(catalog) -> None:
    with pytest.raises(InputError, match=r"input 'vlan': 'ten' is not of type 'integer'"):
        catalog.coerce_inputs("vlan-add", {"device": "r1", "vlan": "ten"})


def test_missing_required_input(catalog) -> None:
    with pytest.raises(InputError, match=r"input: 'interface' is a required property"):
        catalog.coerce_inputs("interface-description", {"device": "r1", "description": "x"})


def test_format_is_checked(catalog) -> None:
    with pytest.raises(InputError, match=r"input 'servers.0': '192.0.2.300' is not a 'ipv4'"):
        catalog.coerce_inputs("ntp-servers", {"device": "r1", "servers": "192.0.2.300"})


def test_secret_input_takes_a_reference_never_the_secret(catalog) -> None:
    values = catalog.coerce_inputs("snmp-settings", {"device": "r1", "location": "DC1",
                                                     "community": "cred:snmp-ro"})
    assert values["community"] == "cred:snmp-ro"
    with pytest.raises(InputError) as caught:
        catalog.coerce_inputs("snmp-settings", {"device": "r1", "location": "DC1",
                                                "community": "s3cr3t-public"})
    assert "input 'community': a secret input takes a credential reference like 'cred:NAME'" \
        in str(caught.value)
    assert "s3cr3t-public" not in str(caught.value)


def test_workflow_knows_its_device_and_secret_inputs(catalog) -> None:
    assert catalog.workflow("access-port-vlan").device_inputs == ["device"]
    assert catalog.workflow("snmp-settings").secret_inputs == ["community"]
    order = [s.name for s in catalog.workflow("vlan-remove").execution_order()]
    assert order == ["Approval by the network owner", "Remove the VLAN", "Tell the NOC channel"]


def test_unknown_workflow_lists_the_known_ones(catalog) -> None:
    with pytest.raises(Exception, match=r"unknown workflow 'interface-descr' \(known: "):
        catalog.workflow("interface-descr")


@pytest.mark.parametrize(("typed", "platform", "full", "short"), [
    ("Gi1/0/1", "cisco_ios", "GigabitEthernet1/0/1", "Gi1/0/1"),
    ("gi1/0/1", "cisco_ios", "GigabitEthernet1/0/1", "Gi1/0/1"),
    ("GigabitEthernet1/0/1", "cisco_ios", "GigabitEthernet1/0/1", "Gi1/0/1"),
    ("Te1/1/1", "cisco_ios", "TenGigabitEthernet1/1/1", "Te1/1/1"),
    ("po10", "cisco_ios", "Port-channel10", "Po10"),
    ("Vlan120", "cisco_ios", "Vlan120", "Vl120"),
    ("Et1", "arista_eos", "Ethernet1", "Et1"),
    ("eth49/1", "arista_eos", "Ethernet49/1", "Et49/1"),
    ("Ma1", "arista_eos", "Management1", "Ma1"),
    ("ge-0/0/1", "juniper_junos", "ge-0/0/1", "ge-0/0/1"),
    ("xe-0/1/0.0", "juniper_junos", "xe-0/1/0.0", "xe-0/1/0.0"),
    ("Weird9", "cisco_ios", "Weird9", "Weird9"),
])
def test_interface_names(typed: str, platform: str, full: str, short: str) -> None:
    assert normalise_interface(typed, platform) == full
    assert short_interface(typed, platform) == short
    assert same_interface(typed, full, platform)
