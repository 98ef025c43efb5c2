"""Form object selectors against Nautobot: filter-as-you-type for devices, interfaces, VLANs.

The TUI form calls `search_devices(inventory, text, filters, limit)` on each keystroke (from
a thread worker: it is one small GraphQL request) and `interfaces_of` / `vlans_of` once a
device is chosen. A field's `queryset_filter` is passed as `filters`; keys are the NOC's
(`site`, `role`, `tag`, `platform`, `status`, `tenant`) and map to Nautobot's filters. Served
from the snapshot when the inventory is offline, with the same answers.
"""

from __future__ import annotations

import contextlib
import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nocdeck.errors import InputError
from nocdeck.inventory.models import Device
from nocdeck.inventory.nautobot.client import NautobotUnreachable
from nocdeck.inventory.nautobot.convert import interface_mode
from nocdeck.inventory.nautobot.source import NautobotInventory

SERVER_FILTERS: Mapping[str, str] = {
    "site": "location", "location": "location", "role": "role", "status": "status",
    "tenant": "tenant", "tag": "tags", "tags": "tags",
}
"""queryset_filter key -> Nautobot GraphQL filter argument (evaluated by Nautobot)."""
LOCAL_FILTERS = frozenset({"platform", "manufacturer", "model", "software_version", "name"})
"""Keys compared on nocdeck's side: `platform` is the netmiko driver, not Nautobot's name."""

SEARCH_QUERY = """
query ($q: String, $location: [String], $role: [String], $status: [String],
       $tenant: [String], $tags: [String], $limit: Int) {
  devices(q: $q, location: $location, role: $role, status: $status, tenant: $tenant,
          tags: $tags, limit: $limit) {
    name
    role { name }
    location { name }
    status { name }
    platform { name network_driver napalm_driver }
    primary_ip4 { address }
  }
}
"""
INTERFACES_QUERY = """
query ($device: [String]) {
  interfaces(device: $device) {
    name mode description enabled mgmt_only
    untagged_vlan { vid name }
    tagged_vlans { vid }
  }
}
"""


@dataclass(frozen=True)
class Option:
    """One row the selector offers: the value stored in the form, and what the user reads."""

    value: str
    label: str
    detail: str = ""
    manageable: bool = True


def _split_filters(filters: Mapping[str, Any]) -> tuple[dict[str, list[str]], dict[str, str]]:
    server: dict[str, list[str]] = {}
    local: dict[str, str] = {}
    for key, value in filters.items():
        if key in SERVER_FILTERS:
            values = value if isinstance(value, list) else [value]
            server.setdefault(SERVER_FILTERS[key], []).extend(str(v) for v in values)
        elif key in LOCAL_FILTERS:
            local[key] = str(value)
        else:
            known = sorted({*SERVER_FILTERS, *LOCAL_FILTERS})
            raise InputError(f"queryset_filter: {key!r} is not a device filter nocdeck knows "
                             f"for Nautobot (known: {', '.join(known)})")
    return server, local


def _device_option(device: Device, reason: str = "") -> Option:
    detail = " · ".join(p for p in (device.platform, device.role, device.site,
                                     str(device.vars.get("status") or "")) if p)
    return Option(device.name, device.name, detail, manageable=not reason)


def search_devices(inventory: NautobotInventory, text: str = "",
                   filters: Mapping[str, Any] | None = None, limit: int = 50) -> list[Option]:
    """Devices whose name (or Nautobot's `q` search) matches `text` and every filter.

    Devices Nautobot holds but nocdeck cannot manage are offered too, marked, with the
    reason as their detail, so the user sees why a switch cannot be picked.
    """
    server, local = _split_filters(filters or {})
    if inventory.client is not None and not inventory.offline:
        with contextlib.suppress(NautobotUnreachable):  # gone mid-session: use the snapshot
            return _search_online(inventory, text, server, local, limit)
    return _search_snapshot(inventory, text, server, local, limit)


def _search_online(inventory: NautobotInventory, text: str, server: dict[str, list[str]],
                   local: dict[str, str], limit: int) -> list[Option]:
    assert inventory.client is not None
    variables: dict[str, Any] = {"q": text or None, "limit": limit if not local else None,
                                 **server}
    rows = inventory.client.graphql(SEARCH_QUERY, variables)["devices"]
    options: list[Option] = []
    for row in rows:
        name = str(row["name"])
        device = inventory.get(name)
        if device is None:
            if local:
                continue  # its platform etc. cannot be compared: it has no usable driver
            reason = inventory.unmanageable.get(name, "not in the loaded inventory; reload")
            options.append(Option(name, name, reason, manageable=False))
            continue
        if all(fnmatch.fnmatchcase(str(getattr(device, k, "")), v) for k, v in local.items()):
            options.append(_device_option(device))
    return options[:limit]


_ATTRIBUTES = {"location": "site", "tags": "tag"}


def _search_snapshot(inventory: NautobotInventory, text: str, server: dict[str, list[str]],
                     local: dict[str, str], limit: int) -> list[Option]:
    needle = text.lower()
    options: list[Option] = []
    for device in inventory:
        if needle and needle not in device.name.lower():
            continue
        if not all(_any_matches(device, key, values) for key, values in server.items()):
            continue
        if not all(fnmatch.fnmatchcase(str(getattr(device, k, "")), v) for k, v in local.items()):
            continue
        options.append(_device_option(device))
    options += [Option(name, name, reason, manageable=False)
                for name, reason in inventory.unmanageable.items()
                if not needle or needle in name.lower()]
    return options[:limit]


def _any_matches(device: Device, key: str, values: list[str]) -> bool:
    if key == "tags":
        return any(v in device.tags for v in values)
    if key == "location":
        return device.site in values
    actual = getattr(device, key, None) or device.vars.get(key)
    return str(actual) in values


def interfaces_of(inventory: NautobotInventory, device: str, text: str = "") -> list[Option]:
    """The device's interfaces, fresh from Nautobot (a write-back may have just changed one)."""
    rows: list[dict[str, Any]] | None = None
    if inventory.client is not None and not inventory.offline:
        try:
            rows = inventory.client.graphql(INTERFACES_QUERY, {"device": [device]})["interfaces"]
        except NautobotUnreachable:
            rows = None
    if rows is None:
        known = inventory.get(device)
        if known is None:
            raise InputError(f"device {device!r} is not in the Nautobot inventory")
        rows = [{"name": i.name, "mode": i.mode, "description": i.description,
                 "untagged_vlan": {"vid": i.access_vlan} if i.access_vlan else None}
                for i in known.interfaces]
    options = []
    for row in rows:
        if row.get("mgmt_only") or (text and text.lower() not in str(row["name"]).lower()):
            continue
        vlan = (row.get("untagged_vlan") or {}).get("vid")
        mode = interface_mode(row.get("mode"))
        detail = " · ".join(p for p in (mode if mode != "none" else "",
                                        f"VLAN {vlan}" if vlan else "",
                                        str(row.get("description") or "")) if p)
        options.append(Option(str(row["name"]), str(row["name"]), detail))
    return options


def vlans_of(inventory: NautobotInventory, device: str,
             filters: Mapping[str, Any] | None = None) -> list[Option]:
    """The VLANs a device's templates see; `filters` like `{id__gte: 2}` narrow them."""
    known = inventory.get(device)
    if known is None:
        raise InputError(f"device {device!r} is not in the Nautobot inventory")
    options = []
    for vlan in known.vlans:
        if all(_vlan_matches(vlan.id, key, value) for key, value in (filters or {}).items()):
            options.append(Option(str(vlan.id), f"{vlan.id} {vlan.name}".strip()))
    return options


def _vlan_matches(vid: int, key: str, value: Any) -> bool:
    field_name, _, op = key.partition("__")
    if field_name not in {"id", "vid"}:
        raise InputError(f"queryset_filter: {key!r} is not a VLAN filter (id, id__gte, "
                         "id__lte, id__in)")
    if op == "gte":
        return vid >= int(value)
    if op == "lte":
        return vid <= int(value)
    if op == "in":
        return vid in [int(v) for v in value]
    return vid == int(value)
