"""The local inventory file: YAML with defaults, groups and devices (docs/inventory.md).

Settings resolve from the least to the most specific: `defaults`, then each of the device's
`groups` in order, then the device itself; `vars` and `tags` merge instead of replacing.
Every problem names the file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nocdeck import parsecache
from nocdeck.errors import InventoryError
from nocdeck.inventory.models import Device, Inventory
from nocdeck.yamlsource import YamlDocument, YamlProblem, load_document

_INHERITABLE = {
    "platform", "port", "credentials", "username", "manufacturer", "model", "software_version",
    "role", "site", "tags", "vars", "host_key_check", "provider",
}


class _GroupSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    platform: str | None = None
    port: int | None = None
    credentials: str | None = None
    username: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    software_version: str | None = None
    role: str | None = None
    site: str | None = None
    tags: list[str] = Field(default_factory=list)
    vars: dict[str, Any] = Field(default_factory=dict)
    host_key_check: bool | None = None
    provider: str | None = None


class _InventoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    defaults: _GroupSpec = Field(default_factory=_GroupSpec)
    groups: dict[str, _GroupSpec] = Field(default_factory=dict)
    devices: dict[str, dict[str, Any]] = Field(default_factory=dict)


def _layer(base: dict[str, Any], spec: _GroupSpec) -> None:
    for key, value in spec.model_dump(exclude_none=True).items():
        if key == "vars":
            base["vars"] = {**base.get("vars", {}), **value}
        elif key == "tags":
            known = base.get("tags", [])
            base["tags"] = [*known, *(t for t in value if t not in known)]
        else:
            base[key] = value


def parse_inventory(doc: YamlDocument) -> Inventory:
    """Build an Inventory from a loaded YAML document; raise InventoryError with file:line."""
    if doc.data is None:
        return Inventory([], source=str(doc.path))
    if not isinstance(doc.data, dict):
        raise InventoryError(f"{doc.path}:{doc.line}: the inventory must be a mapping "
                             "with a 'devices' key")
    try:
        spec = _InventoryFile.model_validate(doc.data)
    except ValidationError as exc:
        raise InventoryError("\n".join(doc.problems(exc))) from None

    devices: list[Device] = []
    for name, raw in spec.devices.items():
        if not isinstance(raw, dict):
            raise InventoryError(f"{doc.path}:{doc.line_of(['devices', name])}: devices.{name}: "
                                 "expected a mapping of device settings")
        merged: dict[str, Any] = {}
        _layer(merged, spec.defaults)
        for index, group in enumerate(raw.get("groups", [])):
            if group not in spec.groups:
                line = doc.line_of(["devices", name, "groups", index])
                raise InventoryError(f"{doc.path}:{line}: devices.{name}.groups: "
                                     f"unknown group {group!r}")
            _layer(merged, spec.groups[group])
        for key, value in raw.items():
            if key == "vars" and isinstance(value, dict):
                merged["vars"] = {**merged.get("vars", {}), **value}
            elif key == "tags" and isinstance(value, list):
                merged["tags"] = [*merged.get("tags", []),
                                  *(t for t in value if t not in merged.get("tags", []))]
            else:
                merged[key] = value
        merged.setdefault("name", name)
        try:
            devices.append(Device.model_validate(merged))
        except ValidationError as exc:
            raise InventoryError("\n".join(doc.problems(exc, prefix=["devices", name]))) from None
    return Inventory(devices, source=str(doc.path))


def load_inventory(path: Path | str) -> Inventory:
    """Read a local inventory file; every problem is an InventoryError naming file:line."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
        key = parsecache.key_of(text)
        data = parsecache.recall(key)
        if not parsecache.missing(data):  # this very text parsed and validated before
            return parse_inventory(YamlDocument(path, data, text=text))
        doc = load_document(path, text)
    except FileNotFoundError:
        raise InventoryError(f"{path}: inventory file not found") from None
    except IsADirectoryError:
        raise InventoryError(f"{path}: is a directory, expected an inventory YAML file") from None
    except PermissionError:
        raise InventoryError(f"{path}: permission denied") from None
    except UnicodeDecodeError:
        raise InventoryError(f"{path}:1: not a UTF-8 text file") from None
    except YamlProblem as exc:
        raise InventoryError(str(exc)) from None
    payload = parsecache.freeze(key, doc.data)
    inventory = parse_inventory(doc)
    parsecache.keep(key, payload)
    return inventory


def dump_inventory(inventory: Inventory) -> str:
    """Write an Inventory back out in the local file format (used by `lab up --inventory-out`)."""
    return yaml.safe_dump(inventory_data(inventory), sort_keys=False, default_flow_style=False)


def write_inventory(inventory: Inventory, path: Path) -> None:
    """Write an Inventory to `path` (OSError when it cannot), and keep its parsed copy
    (`nocdeck.parsecache`): the next command that loads it skips the YAML parse."""
    data = inventory_data(inventory)
    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
    path.write_text(text, encoding="utf-8")
    key = parsecache.key_of(text)
    parsecache.keep(key, parsecache.freeze(key, data))


def inventory_data(inventory: Inventory) -> dict[str, Any]:
    """An Inventory as the local file's data (what `load_inventory` reads back)."""
    devices: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    for device in inventory:
        groups.update({group: {} for group in device.groups})
        data = device.model_dump(exclude_defaults=True, exclude={"name"})
        data["platform"] = device.platform
        data["host"] = device.host
        data["port"] = device.port
        devices[device.name] = data
    # Group settings are already resolved into each device; the groups stay as labels.
    document: dict[str, Any] = {"groups": groups} if groups else {}
    document["devices"] = devices
    return document
