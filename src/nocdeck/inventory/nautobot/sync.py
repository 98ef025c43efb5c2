"""Put devices into Nautobot: create or update a Device, its interfaces, VLANs, primary IP.

Used by `nocdeck lab up --nautobot` (the lab's devices), by onboarding (what discovery
found) and by the tests' fixtures. Every write is get-or-create-or-update by name, so running
it twice changes nothing the second time. Where a device is reached on a port other than 22
(the lab), its address alone cannot identify it: the primary IP is a unique loopback address
derived from the port, and the real host/port go to the device's local config context under
`nocdeck` (see docs/nautobot.md).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from nocdeck.config import Settings
from nocdeck.inventory.models import Device
from nocdeck.inventory.nautobot.client import NautobotClient, NautobotError
from nocdeck.inventory.nautobot.convert import LOCAL_CONTEXT_KEY
from nocdeck.inventory.nautobot.source import connect

Outcome = Literal["created", "updated", "unchanged"]
MGMT_INTERFACE = "mgmt0"
"""Holds the primary IP; `mgmt_only`, so it is not in the template context's interfaces."""
LOCATION_TYPE = "Site"
WRITE_TIMEOUT = 120.0
"""Seconds for one bulk write (a switch's interfaces) before it counts as failed."""
BULK = 100
"""Objects per bulk POST/PATCH."""


@dataclass
class SyncCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: dict[str, str] = field(default_factory=dict)

    def add(self, outcome: Outcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def _id(obj: Mapping[str, Any] | None) -> str | None:
    return str(obj["id"]) if obj else None


def _differs(obj: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of `data` that `obj` (a REST answer) does not already have."""
    changed: dict[str, Any] = {}
    for key, want in data.items():
        have = obj.get(key)
        if isinstance(have, dict) and "id" in have:
            have = have["id"]
        elif isinstance(have, dict) and "value" in have:
            have = have["value"]
        elif isinstance(have, list) and have and isinstance(have[0], dict):
            have = sorted(str(h.get("id")) for h in have)
            want = sorted(str(w) for w in want)
        if have != want and not (have in (None, "") and want in (None, "")):
            changed[key] = data[key]
    return changed


def ensure(client: NautobotClient, path: str, lookup: Mapping[str, Any],
           data: Mapping[str, Any], *, what: str) -> tuple[dict[str, Any], Outcome]:
    """Get the object matching `lookup`, create it with `data`, or update what differs."""
    found = client.find(path, **lookup)
    if found is None:
        return client.create(path, {**lookup, **data}, what=what), "created"
    changed = _differs(found, data)
    if not changed:
        return found, "unchanged"
    return client.update(path, str(found["id"]), changed, what=what), "updated"


class NautobotWriter:
    """Creates the shared objects once (status, location, role, platforms), then devices."""

    def __init__(self, client: NautobotClient) -> None:
        self.client = client
        self._cache: dict[tuple[str, str], str] = {}

    def _ensure_id(self, path: str, name: str, data: Mapping[str, Any], *, what: str,
                   key: str = "name") -> str:
        cached = self._cache.get((path, name))
        if cached:
            return cached
        obj, _ = ensure(self.client, path, {key: name}, data, what=what)
        self._cache[(path, name)] = str(obj["id"])
        return self._cache[(path, name)]

    def _with_types(self, path: str, name: str, types: list[str], *, what: str) -> str:
        """Get or create a status/role/tag/location type that applies to `types`, adding
        them to an existing one rather than taking away what others rely on."""
        cached = self._cache.get((path, name))
        if cached:
            return cached
        found = self.client.find(path, name=name)
        if found is None:
            found = self.client.create(path, {"name": name, "content_types": types}, what=what)
        else:
            have = list(found.get("content_types") or [])
            if not set(types) <= set(have):
                self.client.update(path, str(found["id"]),
                                   {"content_types": sorted({*have, *types})}, what=what)
        self._cache[(path, name)] = str(found["id"])
        return self._cache[(path, name)]

    def status(self) -> str:
        return self._with_types("/api/extras/statuses/", "Active", [
            "dcim.device", "dcim.interface", "dcim.location", "dcim.softwareversion",
            "ipam.vlan", "ipam.prefix", "ipam.ipaddress"], what="status Active")

    def location(self, name: str) -> str:
        location_type = self._with_types("/api/dcim/location-types/", LOCATION_TYPE, [
            "dcim.device", "ipam.vlan", "ipam.prefix"], what=f"location type {LOCATION_TYPE}")
        return self._ensure_id("/api/dcim/locations/", name, {
            "location_type": location_type, "status": self.status()}, what=f"location {name}")

    def role(self, name: str) -> str:
        return self._with_types("/api/extras/roles/", name, ["dcim.device"], what=f"role {name}")

    def manufacturer(self, name: str) -> str:
        return self._ensure_id("/api/dcim/manufacturers/", name, {}, what=f"manufacturer {name}")

    def platform(self, driver: str, manufacturer: str) -> str:
        return self._ensure_id("/api/dcim/platforms/", driver, {
            "network_driver": driver, "manufacturer": self.manufacturer(manufacturer)},
            what=f"platform {driver}")

    def device_type(self, model: str, manufacturer: str) -> str:
        return self._ensure_id("/api/dcim/device-types/", model, {
            "manufacturer": self.manufacturer(manufacturer)}, what=f"device type {model}",
            key="model")

    def tag(self, name: str) -> str:
        return self._with_types("/api/extras/tags/", name, ["dcim.device"], what=f"tag {name}")

    def software(self, version: str, platform: str) -> str:
        obj, _ = ensure(self.client, "/api/dcim/software-versions/",
                        {"version": version, "platform": platform}, {"status": self.status()},
                        what=f"software version {version}")
        return str(obj["id"])

    def namespace_prefix(self) -> None:
        """A covering prefix, so any address nocdeck records has a parent in Global."""
        self._ensure_id("/api/ipam/prefixes/", "0.0.0.0/0", {
            "status": self.status(), "namespace": "Global", "type": "container"},
            what="prefix 0.0.0.0/0", key="prefix")

    def vlans(self, wanted: dict[int, str], location: str) -> dict[int, str]:
        """VLAN id -> Nautobot id at `location`; the missing ones created in one request."""
        have = {int(v["vid"]): str(v["id"]) for v in self.client.pages(
            "/api/ipam/vlans/", {"location": location, "depth": 0})}
        missing = [{"vid": vid, "name": name or f"VLAN{vid:04d}", "status": self.status(),
                    "location": location} for vid, name in sorted(wanted.items())
                   if vid not in have]
        if missing:
            created = self.client.request("POST", "/api/ipam/vlans/", json=missing,
                                          what=f"VLANs {[m['vid'] for m in missing]}")
            have.update({int(v["vid"]): str(v["id"]) for v in created})
        return have

    def ip_address(self, address: str) -> str:
        self.namespace_prefix()
        found = self.client.find("/api/ipam/ip-addresses/", address=address)
        if found is not None:
            return str(found["id"])
        created = self.client.create("/api/ipam/ip-addresses/", {
            "address": address, "status": self.status(), "namespace": "Global",
            "type": "host"}, what=f"IP address {address}")
        return str(created["id"])

    def assign_ip(self, ip_id: str, interface_id: str) -> None:
        if self.client.find("/api/ipam/ip-address-to-interface/", ip_address=ip_id,
                            interface=interface_id) is None:
            self.client.create("/api/ipam/ip-address-to-interface/", {
                "ip_address": ip_id, "interface": interface_id}, what="IP assignment")

    def _interfaces(self, device: Device, device_id: str, vlan_ids: dict[int, str]) -> bool:
        """Create and update the device's interfaces in two bulk requests; True if any
        changed."""
        have = {str(i["name"]): i for i in self.client.pages(
            "/api/dcim/interfaces/", {"device_id": device_id, "depth": 0})}
        create: list[dict[str, Any]] = []
        update: list[dict[str, Any]] = []
        for interface in device.interfaces:
            spec: dict[str, Any] = {
                "type": "virtual" if interface.name.lower().startswith(("vlan", "loop"))
                else "1000base-t",
                "status": self.status(), "description": interface.description,
                "enabled": interface.enabled,
                "mode": {"access": "access", "trunk": "tagged"}.get(interface.mode, ""),
                "untagged_vlan": vlan_ids.get(interface.access_vlan)
                if interface.access_vlan else None,
                "tagged_vlans": [vlan_ids[v] for v in interface.tagged_vlans],
            }
            found = have.get(interface.name)
            if found is None:
                create.append({"device": device_id, "name": interface.name, **spec})
            elif changes := _differs(found, {k: v for k, v in spec.items() if k != "type"}):
                update.append({"id": found["id"], **changes})
        for start in range(0, len(create), BULK):
            made = self.client.request("POST", "/api/dcim/interfaces/",
                                       json=create[start:start + BULK],
                                       what=f"device {device.name} interfaces")
            have.update({str(i["name"]): i for i in made})
        for start in range(0, len(update), BULK):
            self.client.request("PATCH", "/api/dcim/interfaces/",
                                json=update[start:start + BULK],
                                what=f"device {device.name} interfaces")
        for interface in device.interfaces:
            if interface.ip_address:
                self.assign_ip(self.ip_address(interface.ip_address),
                               str(have[interface.name]["id"]))
        return bool(create or update)

    # -- one device --------------------------------------------------------------------------

    def upsert_device(self, device: Device) -> Outcome:
        """Create or update `device` with its interfaces, VLANs and primary IP."""
        manufacturer = device.manufacturer or "Generic"
        location = self.location(device.site or "nocdeck")
        platform = self.platform(device.platform, manufacturer)
        data: dict[str, Any] = {
            "status": self.status(), "role": self.role(device.role or "network"),
            "location": location, "platform": platform,
            "device_type": self.device_type(device.model or device.platform, manufacturer),
            "tags": [self.tag(t) for t in device.tags],
            "local_config_context_data": {LOCAL_CONTEXT_KEY: reach_context(device)},
        }
        if device.software_version:
            data["software_version"] = self.software(device.software_version, platform)
        obj, outcome = ensure(self.client, "/api/dcim/devices/", {"name": device.name}, data,
                              what=f"device {device.name}")
        device_id = str(obj["id"])
        wanted = {v.id: v.name for v in device.vlans}
        for interface in device.interfaces:
            for vid in [interface.access_vlan, *interface.tagged_vlans]:
                if vid is not None:
                    wanted.setdefault(vid, "")
        vlan_ids = self.vlans(wanted, location)
        changed = self._interfaces(device, device_id, vlan_ids)
        mgmt, _ = ensure(self.client, "/api/dcim/interfaces/",
                              {"device": device_id, "name": MGMT_INTERFACE},
                              {"type": "virtual", "status": self.status(), "mgmt_only": True},
                              what=f"device {device.name} interface {MGMT_INTERFACE}")
        ip_id = self.ip_address(management_address(device))
        self.assign_ip(ip_id, str(mgmt["id"]))
        if _id(obj.get("primary_ip4")) != ip_id:
            self.client.update("/api/dcim/devices/", device_id, {"primary_ip4": ip_id},
                               what=f"device {device.name} primary IP")
            changed = True
        if outcome == "unchanged" and changed:
            return "updated"
        return outcome


def reach_context(device: Device) -> dict[str, Any]:
    """How nocdeck reaches the device, where Nautobot's primary IP cannot say it alone."""
    context: dict[str, Any] = {"host": device.host, "port": device.port,
                               "host_key_check": device.host_key_check}
    if device.credentials:
        context["credentials"] = device.credentials
    if device.username:
        context["username"] = device.username
    if device.provider:
        context["provider"] = device.provider
    return context


def management_address(device: Device) -> str:
    """The primary IP: the host itself on port 22; on another port (the lab, NAT), a unique
    127.255.x.y derived from the port, since many devices share one host there."""
    if device.port == 22:
        return f"{ipaddress.ip_address(device.host)}/32"
    return f"127.255.{device.port >> 8}.{device.port & 0xFF}/32"


def sync_inventory(client: NautobotClient, devices: Iterable[Device]) -> SyncCounts:
    """Create or update every device; one failing device is counted with its reason and the
    others still go in."""
    writer = NautobotWriter(client)
    counts = SyncCounts()
    for device in devices:
        try:
            counts.add(writer.upsert_device(device))
        except NautobotError as exc:
            counts.failed[device.name] = f"device {device.name}: {exc}"
    return counts


def sync_settings_inventory(settings: Settings, devices: Iterable[Device], *,
                            url: str = "") -> SyncCounts:
    """`nocdeck lab up --nautobot URL`: the token comes from the settings' reference."""
    if url:
        settings = replace(settings, nautobot_url=url,
                           sources={**settings.sources, "nautobot_url": "--nautobot"})
    with connect(settings, timeout=WRITE_TIMEOUT) as client:
        client.version()
        return sync_inventory(client, devices)
