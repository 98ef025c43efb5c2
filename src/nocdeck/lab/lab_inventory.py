"""The inventory of a running lab: what `lab up --inventory-out` writes and tests load.

Every interface, VLAN and address comes from the device's running config at the time of the
call, so the inventory and the device agree. IOS/EOS are read from their config model; other
platforms (Junos) through their own CLI (`show configuration | display set`), which keeps the
lab independent of each simulator's internals.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from nocdeck.credentials import LAB_REFERENCE
from nocdeck.inventory import Device, Interface, Inventory, IPAddress, Vlan
from nocdeck.lab.platform import LabDevice

if TYPE_CHECKING:
    from nocdeck.lab.server import Lab

CISCO_PLATFORMS = ("cisco_ios", "arista_eos")


def running_config_text(lab: Lab, name: str) -> str:
    """The running config as the device prints it (without the `show` header)."""
    device = lab.device(name)
    if device.platform in CISCO_PLATFORMS:
        text: str = device.running.render()
        return text
    session = lab.session_factory(name)()
    session.screen_length = 0
    return session.handle_line("show configuration").output


def lab_inventory(lab: Lab) -> Inventory:
    devices = []
    for info in lab.devices:
        device = lab.device(info.name)
        parts = (_cisco_parts(device) if device.platform in CISCO_PLATFORMS
                 else _set_parts(lab, info.name))
        interfaces, vlans, addresses = parts
        facts = device.facts
        devices.append(Device(
            name=info.name, platform=info.platform, host=info.host, port=info.port,
            credentials=LAB_REFERENCE, host_key_check=False,
            manufacturer=str(facts.get("manufacturer", "")), model=str(facts.get("model", "")),
            software_version=str(facts.get("version", "")), role="access",
            site=str(facts.get("site", "lab")), tags=["lab"], groups=["lab"],
            interfaces=interfaces, vlans=vlans, ip_addresses=addresses,
        ))
    return Inventory(devices, source="lab")


def _cisco_parts(device: LabDevice) -> tuple[list[Interface], list[Vlan], list[IPAddress]]:
    from nocdeck.lab.cisco_show import interface_states, vlan_database
    from nocdeck.lab.flavor import load_flavor

    flavor = load_flavor(device.platform)
    interfaces, addresses = [], []
    for state in interface_states(device.running, flavor):
        interfaces.append(Interface(
            name=state.name, mode=state.mode,
            access_vlan=state.access_vlan if state.mode == "access" else None,
            tagged_vlans=state.trunk_vlans if state.mode == "trunk" else [],
            description=state.description, enabled=state.enabled, ip_address=state.address))
        if state.address:
            addresses.append(IPAddress(address=state.address, interface=state.name))
    vlans = [Vlan(id=vid, name=name) for vid, name, _status in vlan_database(device.running)]
    return interfaces, vlans, addresses


_SET_IF = re.compile(r"^set interfaces (\S+) (.*)$")


def _set_parts(lab: Lab, name: str) -> tuple[list[Interface], list[Vlan], list[IPAddress]]:
    """Read interfaces, VLANs and addresses from `show configuration | display set`."""
    session = lab.session_factory(name)()
    session.screen_length = 0
    text = session.handle_line("show configuration | display set").output
    found: dict[str, dict[str, object]] = {}
    vlan_ids: dict[str, int] = {}
    addresses: list[IPAddress] = []
    members: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        m = re.match(r"^set vlans (\S+) vlan-id (\d+)$", line)
        if m:
            vlan_ids[m.group(1)] = int(m.group(2))
            continue
        m = _SET_IF.match(line)
        if not m:
            continue
        ifname, rest = m.group(1), m.group(2)
        entry = found.setdefault(ifname, {"description": "", "enabled": True, "mode": "none"})
        if rest.startswith("description "):
            entry["description"] = rest[len("description "):].strip('"')
        elif rest == "disable":
            entry["enabled"] = False
        elif "family ethernet-switching interface-mode " in rest:
            entry["mode"] = rest.rsplit(" ", 1)[1]
        elif "family ethernet-switching vlan members " in rest:
            members.setdefault(ifname, []).append(rest.rsplit(" ", 1)[1])
        elif "family inet address " in rest:
            address = rest.split("family inet address ", 1)[1].split()[0]
            unit = rest.split()[1] if rest.startswith("unit ") else "0"
            addresses.append(IPAddress(address=address, interface=f"{ifname}.{unit}"))
            entry.setdefault("address", address)
    interfaces = []
    for ifname, entry in found.items():
        vids = [vlan_ids.get(v, int(v) if v.isdigit() else 0) for v in members.get(ifname, [])]
        vids = [v for v in vids if 1 <= v <= 4094]
        mode = str(entry["mode"])
        if mode == "none" and vids:
            mode = "access"
        if mode == "none" and entry.get("address"):
            mode = "routed"
        interfaces.append(Interface(
            name=ifname, mode=mode if mode in ("access", "trunk", "routed") else "none",
            access_vlan=vids[0] if mode == "access" and vids else None,
            tagged_vlans=vids if mode == "trunk" else [],
            description=str(entry["description"]), enabled=bool(entry["enabled"]),
            ip_address=str(entry["address"]) if entry.get("address") else None))
    vlans = [Vlan(id=vid, name=vname) for vname, vid in sorted(vlan_ids.items(),
                                                               key=lambda item: item[1])]
    return interfaces, vlans, addresses
