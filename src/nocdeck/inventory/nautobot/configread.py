"""Interfaces and VLANs read from a discovered device's configuration text, for onboarding.

IOS/EOS running-config blocks (`interface X` with its switchport/description/shutdown/ip
lines, `vlan N` with its name) and Junos `display set` lines. Only what the inventory holds;
anything else is left alone.
"""

from __future__ import annotations

import ipaddress
import re

from nocdeck.inventory.models import Interface, Vlan


def _vlan_list(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            low, high = part.split("-", 1)
            if low.isdigit() and high.isdigit():
                out += list(range(int(low), int(high) + 1))
        elif part.isdigit():
            out.append(int(part))
    return [v for v in out if 1 <= v <= 4094]


def cisco_like(config: str) -> tuple[list[Interface], list[Vlan]]:
    interfaces: list[Interface] = []
    vlans: dict[int, str] = {}
    current: dict[str, object] | None = None
    vlan_id: int | None = None

    def close() -> None:
        if current is not None:
            interfaces.append(_interface(current))

    for raw in config.splitlines():
        line = raw.rstrip()
        if not line.startswith(" "):
            close()
            current, vlan_id = None, None
            if line.startswith("interface "):
                current = {"name": line.split(None, 1)[1].strip(), "mode": "none",
                           "description": "", "enabled": True, "tagged": []}
            elif re.match(r"^vlan \d+$", line):
                vlan_id = int(line.split()[1])
                vlans.setdefault(vlan_id, "")
            continue
        words = line.split()
        if vlan_id is not None and words[:1] == ["name"] and len(words) > 1:
            vlans[vlan_id] = words[1]
        if current is None:
            continue
        if words[:1] == ["description"]:
            current["description"] = line.strip()[len("description "):]
        elif words == ["shutdown"]:
            current["enabled"] = False
        elif words[:2] == ["switchport", "mode"] and len(words) > 2:
            current["mode"] = words[2]
        elif words[:3] == ["switchport", "access", "vlan"] and len(words) > 3:
            current["access"] = int(words[3]) if words[3].isdigit() else None
        elif words[:4] == ["switchport", "trunk", "allowed", "vlan"] and len(words) > 4:
            current["tagged"] = _vlan_list(words[-1])
        elif words[:2] == ["ip", "address"] and len(words) >= 3:
            current["address"] = _address(words[2], words[3] if len(words) > 3 else "")
    close()
    return interfaces, [Vlan(id=vid, name=name) for vid, name in sorted(vlans.items())]


def _address(address: str, mask: str) -> str | None:
    try:
        if "/" in address:
            return str(ipaddress.ip_interface(address))
        return str(ipaddress.ip_interface(f"{address}/{mask}"))
    except ValueError:
        return None


def _interface(entry: dict[str, object]) -> Interface:
    mode = str(entry["mode"])
    access = entry.get("access")
    if mode == "none" and entry.get("address"):
        mode = "routed"
    tagged = entry.get("tagged") or []
    return Interface(
        name=str(entry["name"]), mode=mode if mode in ("access", "trunk", "routed") else "none",
        access_vlan=access if mode == "access" and isinstance(access, int) else
        (1 if mode == "access" else None),
        tagged_vlans=list(tagged) if mode == "trunk" and isinstance(tagged, list) else [],
        description=str(entry["description"]), enabled=bool(entry["enabled"]),
        ip_address=str(entry["address"]) if entry.get("address") else None)


_SET_IF = re.compile(r"^set interfaces (\S+) (.*)$")


def junos_set(config: str) -> tuple[list[Interface], list[Vlan]]:
    entries: dict[str, dict[str, object]] = {}
    vlan_ids: dict[str, int] = {}
    members: dict[str, list[str]] = {}
    for raw in config.splitlines():
        line = raw.strip()
        match = re.match(r"^set vlans (\S+) vlan-id (\d+)$", line)
        if match:
            vlan_ids[match.group(1)] = int(match.group(2))
            continue
        match = _SET_IF.match(line)
        if not match:
            continue
        name, rest = match.groups()
        entry = entries.setdefault(name, {"name": name, "mode": "none", "description": "",
                                          "enabled": True})
        if rest.startswith("description "):
            entry["description"] = rest[len("description "):].strip('"')
        elif rest == "disable":
            entry["enabled"] = False
        elif "ethernet-switching interface-mode " in rest:
            entry["mode"] = rest.rsplit(" ", 1)[1]
        elif "ethernet-switching vlan members " in rest:
            members.setdefault(name, []).append(rest.rsplit(" ", 1)[1])
        elif "family inet address " in rest:
            entry.setdefault("address", _address(rest.split("family inet address ")[1].split()[0],
                                                 ""))
    interfaces = []
    for name, entry in entries.items():
        vids = [vlan_ids.get(v, int(v) if v.isdigit() else 0) for v in members.get(name, [])]
        vids = [v for v in vids if 1 <= v <= 4094]
        if entry["mode"] == "none" and vids:
            entry["mode"] = "access"
        if entry["mode"] == "access" and vids:
            entry["access"] = vids[0]
        if entry["mode"] == "trunk":
            entry["tagged"] = vids
        interfaces.append(_interface(entry))
    vlans = [Vlan(id=vid, name=name) for name, vid in sorted(vlan_ids.items(),
                                                             key=lambda item: item[1])]
    return interfaces, vlans


def read_interfaces(platform: str, config: str) -> tuple[list[Interface], list[Vlan]]:
    return junos_set(config) if platform == "juniper_junos" else cisco_like(config)
