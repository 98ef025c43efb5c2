"""The inventory's domain objects: devices, their interfaces, VLANs and IP addresses.

Their shape is the template context of DESIGN.md section 3, so the same templates render
from the local YAML file, the lab, or Nautobot.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

PLATFORM_MANUFACTURERS: Mapping[str, str] = {
    "cisco_ios": "Cisco",
    "cisco_xe": "Cisco",
    "cisco_xr": "Cisco",
    "cisco_nxos": "Cisco",
    "arista_eos": "Arista",
    "juniper_junos": "Juniper",
}
"""The manufacturer implied by a netmiko device_type, where the inventory does not say."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, populate_by_name=True)


class Interface(_Model):
    name: str
    mode: Literal["access", "trunk", "routed", "none"] = "none"
    access_vlan: int | None = Field(default=None, ge=1, le=4094)
    tagged_vlans: list[int] = Field(default_factory=list)
    description: str = ""
    enabled: bool = True
    ip_address: str | None = None

    @field_validator("tagged_vlans")
    @classmethod
    def _vlans_in_range(cls, value: list[int]) -> list[int]:
        for vid in value:
            if not 1 <= vid <= 4094:
                raise ValueError(f"VLAN {vid} is outside 1-4094")
        return value


class Vlan(_Model):
    id: int = Field(ge=1, le=4094)
    name: str = ""


class IPAddress(_Model):
    address: str
    interface: str | None = None
    vrf: str | None = None


class Vrf(_Model):
    name: str
    rd: str | None = None


class Prefix(_Model):
    prefix: str
    vlan: int | None = None
    vrf: str | None = None
    description: str = ""


class Device(_Model):
    """One manageable device; `credentials` is a reference, never a secret."""

    name: str
    platform: str
    """The netmiko device_type (cisco_ios, arista_eos, juniper_junos, …)."""
    host: str
    port: int = Field(default=22, ge=1, le=65535)
    credentials: str = ""
    """`lab`, `cred:NAME`, or empty for SSH keys / agent only."""
    username: str | None = None
    manufacturer: str = ""
    model: str = ""
    software_version: str = ""
    role: str = ""
    site: str = ""
    tags: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    vars: dict[str, Any] = Field(default_factory=dict)
    host_key_check: bool = True
    provider: str | None = None
    """`netmiko` or `asyncssh`; empty means the configured default."""
    interfaces: list[Interface] = Field(default_factory=list)
    vlans: list[Vlan] = Field(default_factory=list)
    vrfs: list[Vrf] = Field(default_factory=list)
    prefixes: list[Prefix] = Field(default_factory=list)
    ip_addresses: list[IPAddress] = Field(default_factory=list)
    _context: dict[str, Any] | None = PrivateAttr(default=None)

    def model_post_init(self, context: Any, /) -> None:
        if not self.manufacturer:
            self.manufacturer = PLATFORM_MANUFACTURERS.get(self.platform, "")

    def interface(self, name: str) -> Interface | None:
        for interface in self.interfaces:
            if interface.name == name:
                return interface
        return None

    def context(self) -> dict[str, Any]:
        """The device part of the template context: `device`, `interfaces`, `vlans`, ….

        Built once per device (a run asks for it for every step of every device): the
        top-level mapping is new each time, what it holds is shared and only read
        (templates render in Jinja2's immutable sandbox; devices are not changed after
        they are loaded).
        """
        if self._context is None:
            self._context = {
                "device": self.model_dump(exclude={"interfaces", "vlans", "vrfs", "prefixes",
                                                   "ip_addresses", "credentials"}),
                "interfaces": [i.model_dump() for i in self.interfaces],
                "vlans": [v.model_dump() for v in self.vlans],
                "vrfs": [v.model_dump() for v in self.vrfs],
                "prefixes": [p.model_dump() for p in self.prefixes],
                "ip_addresses": [a.model_dump() for a in self.ip_addresses],
            }
        return dict(self._context)


class Inventory:
    """An ordered set of devices by name, with glob and attribute selection."""

    def __init__(self, devices: Iterable[Device], *, source: str = "") -> None:
        self._devices: dict[str, Device] = {d.name: d for d in devices}
        self.source = source
        """Where the devices came from (a file path, `lab`, a Nautobot URL)."""

    def __iter__(self) -> Iterator[Device]:
        return iter(self._devices.values())

    def __len__(self) -> int:
        return len(self._devices)

    def __contains__(self, name: object) -> bool:
        return name in self._devices

    @property
    def names(self) -> list[str]:
        return list(self._devices)

    def get(self, name: str) -> Device | None:
        return self._devices.get(name)

    def select(self, pattern: str) -> list[Device]:
        """Devices whose name matches a glob (`r*`, `core-?`), or the exact name."""
        return [d for d in self._devices.values() if fnmatch.fnmatchcase(d.name, pattern)]

    def filter(self, **criteria: str) -> list[Device]:
        """Devices whose attribute (platform, role, site, tag, …) equals each criterion."""
        out = []
        for device in self._devices.values():
            if all(_matches(device, key, value) for key, value in criteria.items()):
                out.append(device)
        return out


def _matches(device: Device, key: str, value: str) -> bool:
    if key in {"tag", "tags"}:
        return value in device.tags
    if key in {"group", "groups"}:
        return value in device.groups
    actual = getattr(device, key, None)
    if actual is None:
        actual = device.vars.get(key)
    return actual is not None and fnmatch.fnmatchcase(str(actual), value)
