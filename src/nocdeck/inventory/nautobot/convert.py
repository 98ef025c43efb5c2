"""Nautobot's objects (as GraphQL answers them) turned into the inventory's Device.

Pure functions, no I/O: the loader feeds them pages of GraphQL data, the snapshot feeds them
the same data from disk. A device that cannot be managed (no platform, no driver nocdeck can
drive, no primary IP) is not dropped silently: `convert_device` raises `NotManageable` with
one sentence naming the device and what is missing, and the inventory lists it as such.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from nocdeck.inventory.models import (
    PLATFORM_MANUFACTURERS,
    Device,
    Interface,
    IPAddress,
    Prefix,
    Vlan,
    Vrf,
)

NAPALM_TO_NETMIKO: Mapping[str, str] = {
    "ios": "cisco_ios", "eos": "arista_eos", "junos": "juniper_junos", "nxos": "cisco_nxos",
    "nxos_ssh": "cisco_nxos", "iosxr": "cisco_xr",
}
"""Where a Platform only has its `napalm_driver` set, the netmiko driver it implies."""

DRIVABLE: frozenset[str] = frozenset(PLATFORM_MANUFACTURERS)
"""netmiko driver names nocdeck's providers and catalog know."""

LOCAL_CONTEXT_KEY = "nocdeck"
"""Key in a Device's local config context with how to reach it: host, port, credentials,
username, host_key_check, provider (for the lab, a jump host, or a NAT)."""


class NotManageable(ValueError):
    """A Nautobot device nocdeck cannot log in to; the message names it and the reason."""


def _name(value: Any) -> str:
    return str(value.get("name") or "") if isinstance(value, dict) else ""


def netmiko_driver(platform: Mapping[str, Any] | None) -> str:
    """The netmiko device_type of a Nautobot Platform; NotManageable says what is missing."""
    if not platform:
        raise NotManageable("has no platform")
    network = str(platform.get("network_driver") or "").strip()
    napalm = str(platform.get("napalm_driver") or "").strip()
    driver = network or NAPALM_TO_NETMIKO.get(napalm, "")
    if not driver:
        raise NotManageable(f"platform {platform.get('name')!r} has no network_driver "
                            "(nor a napalm_driver nocdeck knows)")
    if driver not in DRIVABLE:
        raise NotManageable(f"platform {platform.get('name')!r} has driver {driver!r}, which "
                            f"nocdeck cannot drive (known: {', '.join(sorted(DRIVABLE))})")
    return driver


def interface_mode(value: Any) -> str:
    text = str(value or "").lower()
    if text.startswith("a_") or text in {"access", "a_access"}:
        return "access"
    if "tagged" in text or text == "trunk":
        return "trunk"
    return "none"


def convert_interface(data: Mapping[str, Any]) -> Interface:
    mode = interface_mode(data.get("mode"))
    untagged = data.get("untagged_vlan") or {}
    tagged = [int(v["vid"]) for v in data.get("tagged_vlans") or [] if v.get("vid")]
    addresses = [a.get("address") for a in data.get("ip_addresses") or [] if a.get("address")]
    return Interface(
        name=str(data["name"]),
        mode="access" if mode == "access" else "trunk" if mode == "trunk"
        else ("routed" if addresses else "none"),
        access_vlan=int(untagged["vid"]) if mode == "access" and untagged.get("vid") else None,
        tagged_vlans=tagged,
        description=str(data.get("description") or ""),
        enabled=bool(data.get("enabled", True)),
        ip_address=str(addresses[0]) if addresses else None,
    )


def _host(device: Mapping[str, Any]) -> str:
    primary = device.get("primary_ip4") or device.get("primary_ip6")
    if not primary or not primary.get("address"):
        raise NotManageable("has no primary IP")
    return str(ipaddress.ip_interface(str(primary["address"])).ip)


def convert_device(data: Mapping[str, Any], *, vlans: Iterable[Mapping[str, Any]] = (),
                   prefixes: Iterable[Mapping[str, Any]] = ()) -> Device:
    """One Nautobot device (GraphQL shape) as a Device; NotManageable names the reason."""
    name = str(data.get("name") or "")
    try:
        driver = netmiko_driver(data.get("platform"))
        host = _host(data)
    except NotManageable as exc:
        raise NotManageable(f"device {name or data.get('id')}: {exc}") from None
    local = (data.get("local_config_context_data") or {}).get(LOCAL_CONTEXT_KEY) or {}
    platform = data.get("platform") or {}
    device_type = data.get("device_type") or {}
    manufacturer = (_name(platform.get("manufacturer"))
                    or _name(device_type.get("manufacturer")))
    interfaces = [convert_interface(i) for i in data.get("interfaces") or []
                  if not i.get("mgmt_only")]
    ips = [IPAddress(address=str(a["address"]), interface=i["name"])
           for i in data.get("interfaces") or [] for a in i.get("ip_addresses") or []
           if a.get("address")]
    vrfs = {str(v["vrf"]["name"]): v["vrf"].get("rd") for v in data.get("vrf_assignments") or []
            if v.get("vrf")}
    software = data.get("software_version") or {}
    primary = data.get("primary_ip4") or data.get("primary_ip6") or {}
    variables: dict[str, Any] = {
        "nautobot_id": data.get("id"), "status": _name(data.get("status")),
        "tenant": _name(data.get("tenant")), "location": _name(data.get("location")),
        "primary_ip": primary.get("address"), "serial": data.get("serial") or "",
    }
    try:
        return Device(
            name=name, platform=driver, host=str(local.get("host") or host),
            port=int(local.get("port") or 22), credentials=str(local.get("credentials") or ""),
            username=local.get("username"), manufacturer=manufacturer,
            model=str(device_type.get("model") or ""),
            software_version=str(software.get("version") or ""),
            role=_name(data.get("role")), site=_name(data.get("location")),
            tags=[_name(t) for t in data.get("tags") or []],
            vars=variables, host_key_check=bool(local.get("host_key_check", True)),
            provider=local.get("provider"), interfaces=interfaces,
            vlans=[Vlan(id=int(v["vid"]), name=str(v.get("name") or "")) for v in vlans],
            vrfs=[Vrf(name=n, rd=rd) for n, rd in vrfs.items()],
            prefixes=[Prefix(prefix=str(p["prefix"]),
                             vlan=int(p["vlan"]["vid"]) if p.get("vlan") else None,
                             vrf=_name((p.get("vrfs") or [None])[0]) or None,
                             description=str(p.get("description") or "")) for p in prefixes],
            ip_addresses=ips,
        )
    except (ValidationError, ValueError, TypeError) as exc:
        first = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise NotManageable(f"device {name}: its Nautobot data does not fit: {first}") from None


def vlans_for(device: Mapping[str, Any], site_vlans: Mapping[str, list[dict[str, Any]]],
              global_vlans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The VLANs a template sees: global ones, the location's, and any an interface uses."""
    seen: dict[int, dict[str, Any]] = {}
    for vlan in [*global_vlans, *site_vlans.get(_name(device.get("location")), [])]:
        seen.setdefault(int(vlan["vid"]), vlan)
    for interface in device.get("interfaces") or []:
        for vlan in [interface.get("untagged_vlan"), *(interface.get("tagged_vlans") or [])]:
            if vlan and vlan.get("vid"):
                seen.setdefault(int(vlan["vid"]), vlan)
    return [seen[vid] for vid in sorted(seen)]
