"""Bulk load of Nautobot into the inventory: a few GraphQL requests, not one per device.

Devices come with their interfaces (mode, VLANs, description, enabled, addresses) in pages
of `PAGE` devices; VLANs, prefixes and VRFs come in one request each. 500 devices with 24
interfaces each are about 8 requests.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from nocdeck.inventory.models import Device
from nocdeck.inventory.nautobot.client import NautobotClient
from nocdeck.inventory.nautobot.convert import NotManageable, convert_device, vlans_for

PAGE = 100

DEVICE_FIELDS = """
  id name serial
  status { name }
  role { name }
  location { name }
  tenant { name }
  tags { name }
  platform { name network_driver napalm_driver manufacturer { name } }
  device_type { model manufacturer { name } }
  software_version { version }
  primary_ip4 { address }
  primary_ip6 { address }
  local_config_context_data
  vrf_assignments { vrf { name rd } }
  interfaces {
    name mode description enabled mgmt_only
    untagged_vlan { vid name }
    tagged_vlans { vid name }
    ip_addresses { address }
  }
"""
BULK_DEVICE_FIELDS = DEVICE_FIELDS.replace("    ip_addresses { address }\n", "")
"""Addresses per interface would double the bulk query's time: they come in one flat query."""

DEVICES_QUERY = ("query ($limit: Int, $offset: Int) { devices(limit: $limit, offset: $offset) {"
                 + BULK_DEVICE_FIELDS + "} }")
ONE_DEVICE_QUERY = "query ($name: [String]) { devices(name: $name) {" + DEVICE_FIELDS + "} }"
SHARED_QUERY = """
query {
  vlans { vid name location { name } }
  prefixes { prefix description location { name } vlan { vid } vrfs { name } }
  ip_addresses { address interfaces { name device { name } } }
}
"""


@dataclass
class NautobotData:
    """The raw GraphQL answers of one load: what the snapshot keeps on disk."""

    url: str
    version: str
    devices: list[dict[str, Any]]
    vlans: list[dict[str, Any]]
    prefixes: list[dict[str, Any]]
    loaded_at: float = field(default_factory=time.time)

    def as_dict(self) -> dict[str, Any]:
        return {"url": self.url, "version": self.version, "loaded_at": self.loaded_at,
                "devices": self.devices, "vlans": self.vlans, "prefixes": self.prefixes}


@dataclass
class Converted:
    devices: list[Device]
    unmanageable: dict[str, str]
    """Device name -> why nocdeck cannot manage it (one sentence naming the device)."""


def fetch(client: NautobotClient, *, page: int = PAGE) -> NautobotData:
    """Every device (paged) and the shared VLANs / prefixes, in a few GraphQL requests."""
    version = client.version()
    devices: list[dict[str, Any]] = []
    offset = 0
    while True:
        batch = client.graphql(DEVICES_QUERY, {"limit": page, "offset": offset})["devices"]
        devices += batch
        if len(batch) < page:
            break
        offset += page
    shared = client.graphql(SHARED_QUERY)
    _attach_addresses(devices, shared["ip_addresses"])
    return NautobotData(url=client.url, version=version, devices=devices,
                        vlans=shared["vlans"], prefixes=shared["prefixes"])


def _attach_addresses(devices: list[dict[str, Any]], addresses: list[dict[str, Any]]) -> None:
    """Put each address on its interfaces, as the per-device query would have."""
    by_port: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for address in addresses:
        for port in address.get("interfaces") or []:
            owner = (port.get("device") or {}).get("name")
            if owner:
                by_port[(owner, port["name"])].append({"address": address["address"]})
    for device in devices:
        for port in device.get("interfaces") or []:
            port["ip_addresses"] = by_port.get((str(device.get("name")), str(port["name"])), [])


def fetch_device(client: NautobotClient, name: str) -> dict[str, Any] | None:
    """One device, freshly read (after a write-back, before rendering from it)."""
    found = client.graphql(ONE_DEVICE_QUERY, {"name": [name]})["devices"]
    return found[0] if found else None


def convert(data: NautobotData) -> Converted:
    """Turn a load into Devices; an unmanageable one is listed with its reason, not dropped."""
    global_vlans: list[dict[str, Any]] = []
    site_vlans: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for vlan in data.vlans:
        location = (vlan.get("location") or {}).get("name")
        (site_vlans[location] if location else global_vlans).append(vlan)
    site_prefixes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for prefix in data.prefixes:
        site_prefixes[(prefix.get("location") or {}).get("name") or ""].append(prefix)
    devices: list[Device] = []
    unmanageable: dict[str, str] = {}
    for raw in data.devices:
        location = (raw.get("location") or {}).get("name") or ""
        try:
            devices.append(convert_device(
                raw, vlans=vlans_for(raw, site_vlans, global_vlans),
                prefixes=site_prefixes.get(location, [])))
        except NotManageable as exc:
            unmanageable[str(raw.get("name") or raw.get("id"))] = str(exc)
    return Converted(devices, unmanageable)
