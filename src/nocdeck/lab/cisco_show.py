"""`show` outputs of the IOS-like and EOS-like simulators, derived from the running config.

Nothing here is a canned string: ports, VLANs and addresses come from the config model, so a
pushed change shows in `show ip interface brief` the way it would on the device. The layouts
follow the real ones closely enough for ntc-templates to parse them.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field
from typing import Any

from nocdeck.lab.ciscoconf import CiscoConfig, Node
from nocdeck.lab.flavor import Flavor
from nocdeck.lab.grammar import expand_vlans

IOS_RESERVED_VLANS = [(1002, "fddi-default"), (1003, "token-ring-default"),
                      (1004, "fddinet-default"), (1005, "trnet-default")]


@dataclass
class InterfaceState:
    """One interface as the running config defines it."""

    name: str
    description: str = ""
    mode: str = "none"
    """access, trunk, routed or none (the inventory's words)."""
    access_vlan: int | None = None
    trunk_vlans: list[int] = field(default_factory=list)
    enabled: bool = True
    address: str | None = None
    """`10.0.0.1/24`, or None."""
    logical: bool = False

    @property
    def connected(self) -> bool:
        """Up when enabled and (for a port) cabled; the lab calls a described port cabled."""
        return self.enabled and (self.logical or bool(self.description or self.address))


def interface_states(config: CiscoConfig, flavor: Flavor) -> list[InterfaceState]:
    return [_interface_state(node, flavor) for node in config.sections("interface")]


def _interface_state(node: Node, flavor: Flavor) -> InterfaceState:
    name = node.text.split(" ", 1)[1]
    state = InterfaceState(name=name, logical=flavor.is_logical(name))
    for child in node.children:
        words = child.text.split()
        if words[0] == "description":
            state.description = child.text.split(" ", 1)[1]
        elif words == ["shutdown"]:
            state.enabled = False
        elif words[:3] == ["switchport", "mode", "access"]:
            state.mode = "access"
        elif words[:3] == ["switchport", "mode", "trunk"]:
            state.mode = "trunk"
        elif words[:3] == ["switchport", "access", "vlan"]:
            state.access_vlan = int(words[3])
        elif words[:4] == ["switchport", "trunk", "allowed", "vlan"]:
            state.trunk_vlans = expand_vlans(words[4])
        elif words in (["no", "switchport"], ["switchport", "mode", "routed"]):
            state.mode = "routed"
        elif words[:2] == ["ip", "address"] and "secondary" not in words:
            state.address = _prefix(words[2:])
    if state.mode == "access" and state.access_vlan is None:
        state.access_vlan = 1
    if state.address and (state.logical or state.mode == "none"):
        state.mode = "routed"
    return state


def _prefix(words: list[str]) -> str:
    if "/" in words[0]:
        return words[0]
    network = ipaddress.IPv4Interface(f"{words[0]}/{words[1]}")
    return f"{words[0]}/{network.network.prefixlen}"


def vlan_database(config: CiscoConfig) -> list[tuple[int, str, str]]:
    """(id, name, status) for VLAN 1 and every `vlan N` section."""
    vlans: dict[int, tuple[str, str]] = {1: ("default", "active")}
    for node in config.sections("vlan"):
        vid_text = node.text.split()[1]
        if not vid_text.isdigit():
            continue
        vid = int(vid_text)
        name, status = f"VLAN{vid:04d}", "active"
        for child in node.children:
            words = child.text.split()
            if words[0] == "name" and len(words) > 1:
                name = words[1]
            elif words[:2] == ["state", "suspend"]:
                status = "suspended"
        vlans[vid] = (name, status)
    return [(vid, name, status) for vid, (name, status) in sorted(vlans.items())]


def uptime_text(booted_at: float, *, eos: bool) -> str:
    minutes = int(max(0.0, time.time() - booted_at) // 60)
    weeks, minutes = divmod(minutes, 7 * 24 * 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    joiner = " and " if eos else ", "
    return (f"{weeks} weeks, {days} days, {hours} hours{joiner}{minutes} minutes")


def show_version(config: CiscoConfig, flavor: Flavor, facts: dict[str, Any]) -> str:
    if flavor.platform == "arista_eos":
        return _eos_version(facts)
    ports = sum(1 for s in interface_states(config, flavor) if not s.logical)
    return "\n".join([
        f"Cisco IOS Software, {facts['family']} Software ({facts['image']}), "
        f"Version {facts['version']}, RELEASE SOFTWARE (fc1)",
        "Technical Support: http://www.cisco.com/techsupport",
        "Copyright (c) 1986-2023 by Cisco Systems, Inc.",
        "Compiled Fri 03-Mar-23 03:08 by prod_rel_team",
        "",
        f"ROM: Bootstrap program is {facts['family']} boot loader",
        f"BOOTLDR: {facts['family']} Boot Loader (C2960X-HBOOT-M) Version 15.2(7r)E, "
        "RELEASE SOFTWARE (fc1)",
        "",
        f"{config.hostname} uptime is {uptime_text(facts['booted_at'], eos=False)}",
        "System returned to ROM by power-on",
        f"System image file is \"flash:{facts['image_file']}\"",
        "Last reload reason: power-on",
        "",
        f"cisco {facts['model']} (APM86XXX) processor (revision D0) with 524288K bytes "
        "of memory.",
        f"Processor board ID {facts['serial']}",
        "1 Virtual Ethernet interface",
        f"{ports} Gigabit Ethernet interfaces",
        "The password-recovery mechanism is enabled.",
        "",
        "512K bytes of flash-simulated non-volatile configuration memory.",
        f"Base ethernet MAC Address       : {facts['mac']}",
        "Motherboard assembly number     : 73-16123-04",
        f"Model number                    : {facts['model']}",
        f"System serial number            : {facts['serial']}",
        "",
        "Switch Ports Model                     SW Version            SW Image",
        "------ ----- -----                     ----------            ----------",
        f"*    1 {ports + 4:<5} {facts['model']:<25} {facts['version']:<21} {facts['image']}",
        "",
        "Configuration register is 0xF",
        "",
    ])


def _eos_version(facts: dict[str, Any]) -> str:
    mac = facts["mac"].replace(":", "").lower()
    dotted = f"{mac[0:4]}.{mac[4:8]}.{mac[8:12]}"
    return "\n".join([
        f"Arista {facts['model']}",
        "Hardware version: 11.01",
        f"Serial number: {facts['serial']}",
        f"Hardware MAC address: {dotted}",
        f"System MAC address: {dotted}",
        "",
        f"Software image version: {facts['version']}",
        "Architecture: x86_64",
        f"Internal build version: {facts['version']}-30226068.4303M",
        "Internal build ID: 6e5b0b1a-2a43-4c7a-9d0f-5d3c1e2a7b9c",
        "Image format version: 3.0",
        "Image optimization: Strata-4GB",
        "",
        f"Uptime: {uptime_text(facts['booted_at'], eos=True)}",
        "Total memory: 8099732 kB",
        "Free memory: 6271704 kB",
        "",
    ])


def show_interfaces_status(config: CiscoConfig, flavor: Flavor) -> str:
    eos = flavor.platform == "arista_eos"
    if eos:
        lines = ["Port       Name                         Status       Vlan     Duplex Speed  "
                 "Type            Flags Encapsulation"]
    else:
        lines = ["", "Port      Name               Status       Vlan       Duplex  Speed Type "]
    for state in interface_states(config, flavor):
        if state.logical:
            continue
        short = flavor.layout.short_interface(state.name)
        status = ("connected" if state.connected else "notconnect") if state.enabled \
            else "disabled"
        vlan = {"trunk": "trunk", "routed": "routed"}.get(
            state.mode, str(state.access_vlan or 1))
        if eos:
            duplex, speed = ("full", "1G") if state.connected else ("auto", "auto")
            lines.append(f"{short:<10} {state.description[:28]:<28} {status:<12} {vlan:<8} "
                         f"{duplex:<6} {speed:<6} 1000BASE-T")
        else:
            duplex, speed = ("a-full", "a-1000") if state.connected else ("auto", "auto")
            lines.append(f"{short:<9} {state.description[:18]:<18} {status:<12} {vlan:<10} "
                         f"{duplex:>6} {speed:>6} 10/100/1000BaseTX")
    return "\n".join(lines) + "\n"


def show_ip_interface_brief(config: CiscoConfig, flavor: Flavor) -> str:
    states = interface_states(config, flavor)
    if flavor.platform == "arista_eos":
        lines = [" " * 79 + "Address",
                 "Interface         IP Address            Status       Protocol           MTU"
                 "    Owner  ",
                 "----------------- --------------------- ------------ -------------- "
                 "---------- -------"]
        for state in states:
            if not (state.address or state.logical or state.mode == "routed"):
                continue
            mtu = 65535 if state.name.startswith("Loopback") else 1500
            status = ("up" if state.connected else "down") if state.enabled else "adminDown"
            protocol = "up" if state.connected else "down"
            lines.append(f"{state.name:<17} {state.address or 'unassigned':<21} {status:<12} "
                         f"{protocol:<14} {mtu:>10}")
        return "\n".join(lines) + "\n"
    lines = ["Interface              IP-Address      OK? Method Status                Protocol"]
    for state in states:
        address = state.address.split("/")[0] if state.address else "unassigned"
        method = "NVRAM" if state.address else "unset"
        status = ("up" if state.connected else "down") if state.enabled \
            else "administratively down"
        protocol = "up" if state.connected else "down"
        lines.append(f"{state.name:<22} {address:<15} YES {method:<6} {status:<21} {protocol}")
    return "\n".join(lines) + "\n"


def show_vlan_brief(config: CiscoConfig, flavor: Flavor) -> str:
    eos = flavor.platform == "arista_eos"
    members: dict[int, list[str]] = {}
    for state in interface_states(config, flavor):
        if state.mode in ("access", "none") and not state.logical:
            members.setdefault(state.access_vlan or 1, []).append(
                flavor.layout.short_interface(state.name))
    vid_width = 5 if eos else 4
    lines = [] if eos else [""]
    lines += [f"{'VLAN':<{vid_width}} Name                             Status    Ports",
              f"{'-' * vid_width} -------------------------------- --------- "
              "-------------------------------"]
    rows = vlan_database(config)
    if not eos:
        rows += [(vid, name, "act/unsup") for vid, name in IOS_RESERVED_VLANS]
    indent = " " * (vid_width + 44)
    for vid, name, status in rows:
        ports = members.get(vid, [])
        chunks = [ports[i:i + 4] for i in range(0, len(ports), 4)] or [[]]
        head = f"{vid:<{vid_width}} {name[:32]:<32} {status:<9} "
        for index, chunk in enumerate(chunks):  # four ports a line, like the device
            lines.append((head if index == 0 else indent) + ", ".join(chunk))
    return "\n".join(lines) + "\n"
