"""The local inventory file: groups and defaults layer, and every mistake names file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from nocdeck.errors import InventoryError
from nocdeck.inventory import dump_inventory, load_inventory

GOOD = """\
defaults:
  credentials: cred:netops
  tags: [managed]
groups:
  access:
    role: access
    vars: {ntp: 192.0.2.10}
  lab:
    host_key_check: false
devices:
  sw1:
    platform: cisco_ios
    host: 192.0.2.11
    groups: [access, lab]
    software_version: "15.2(7)E"
    tags: [floor2]
    vars: {building: B}
    interfaces:
      - {name: GigabitEthernet1/0/1, mode: access, access_vlan: 10, description: desk 1}
      - {name: GigabitEthernet1/0/2, mode: trunk, tagged_vlans: [10, 20], enabled: false}
    vlans:
      - {id: 10, name: USERS}
    ip_addresses:
      - {address: 192.0.2.11/24, interface: Vlan10}
  fw1:
    platform: juniper_junos
    host: 192.0.2.12
    port: 830
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inventory.yaml"
    path.write_text(text)
    return path


def test_layers_defaults_groups_and_device(tmp_path: Path) -> None:
    inventory = load_inventory(write(tmp_path, GOOD))
    sw1 = inventory.get("sw1")
    assert sw1 is not None
    assert sw1.credentials == "cred:netops"
    assert sw1.role == "access"
    assert sw1.host_key_check is False
    assert sw1.vars == {"ntp": "192.0.2.10", "building": "B"}
    assert sw1.tags == ["managed", "floor2"]
    assert sw1.manufacturer == "Cisco"
    assert sw1.interfaces[1].tagged_vlans == [10, 20]
    fw1 = inventory.get("fw1")
    assert fw1 is not None and fw1.port == 830 and fw1.host_key_check is True
    assert fw1.manufacturer == "Juniper"
    assert [d.name for d in inventory.select("sw*")] == ["sw1"]
    assert [d.name for d in inventory.filter(platform="juniper_*")] == ["fw1"]
    assert [d.name for d in inventory.filter(tag="floor2")] == ["sw1"]


def test_template_context_never_carries_the_credential_reference(tmp_path: Path) -> None:
    sw1 = load_inventory(write(tmp_path, GOOD)).get("sw1")
    assert sw1 is not None
    context = sw1.context()
    assert set(context) == {"device", "interfaces", "vlans", "vrfs", "prefixes", "ip_addresses"}
    assert "credentials" not in context["device"]
    assert context["interfaces"][0]["access_vlan"] == 10


def test_dump_round_trips(tmp_path: Path) -> None:
    inventory = load_inventory(write(tmp_path, GOOD))
    again = load_inventory(write(tmp_path, dump_inventory(inventory)))
    assert [d.model_dump() for d in again] == [d.model_dump() for d in inventory]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("devices:\n  r1:\n    platform: cisco_ios\n    host: h\n    port: 70000\n",
         ":5: devices.r1.port: Input should be less than or equal to 65535"),
        ("devices:\n  r1:\n    platform: cisco_ios\n    hots: h\n",
         ":4: devices.r1.hots: unknown key"),
        ("devices:\n  r1:\n    platform: cisco_ios\n", ":2: devices.r1.host: Field required"),
        ("devices:\n  r1:\n    platform: cisco_ios\n    host: h\n    groups: [core]\n",
         ":5: devices.r1.groups: unknown group 'core'"),
        ("devices:\n  r1: {platform: x, host: h}\n  r1: {platform: x, host: h}\n",
         ":3: invalid YAML: duplicate key 'r1' (first at line 2)"),
        ("devices:\n  r1: [\n", ":3: invalid YAML"),
        ("- just\n- a list\n", ":1: the inventory must be a mapping"),
        ("devices:\n  r1:\n    platform: cisco_ios\n    host: h\n    interfaces:\n"
         "      - {name: Gi1, access_vlan: 5000}\n",
         ":6: devices.r1.interfaces.0.access_vlan: Input should be less than or equal to 4094"),
    ],
)
def test_malformed_inventory_names_file_and_line(tmp_path: Path, text: str, expected: str
                                                 ) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InventoryError) as excinfo:
        load_inventory(path)
    message = str(excinfo.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "Traceback" not in message


def test_missing_inventory_file(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="inventory file not found"):
        load_inventory(tmp_path / "nope.yaml")
