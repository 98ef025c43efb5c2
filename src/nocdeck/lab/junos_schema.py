"""The slice of the Junos configuration schema the lab understands.

Junos parses `set interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members v10` by
walking its schema: which words are containers, which take a name, which are leaves that take
one value. The lab walks the same way, so an unknown word is a `syntax error.` at the column
where Junos would put its caret, and a value out of range is refused with Junos's wording.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field

Check = Callable[[str], "str | None"]
"""Returns None when a value is acceptable, else Junos's message for it."""


@dataclass(frozen=True)
class Leaf:
    """A statement that takes exactly one value: `description "uplink";`."""

    check: Check | None = None
    secret: bool = False
    """Junos marks it `## SECRET-DATA` (and nocdeck.redaction masks it)."""


@dataclass(frozen=True)
class LeafList:
    """A statement that takes several values: `members [ v10 v20 ];`."""

    check: Check | None = None


@dataclass(frozen=True)
class Flag:
    """A statement without a value: `disable;`."""


@dataclass(frozen=True)
class Container:
    """A block of statements; `names` accepts keyword-less entries (`interfaces ge-0/0/1`)."""

    children: dict[str, Spec] = field(default_factory=dict)
    names: Named | None = None
    presence: bool = False
    """Means something when empty (`ssh;`), so deleting its last child keeps it."""


@dataclass(frozen=True)
class Named:
    """A list keyed by name: `unit 0 { … }`, `user admin { … }`, or `ge-0/0/1 { … }`."""

    body: Container
    check: Check | None = None
    natural_order: bool = False
    """Junos sorts these entries by name (interfaces, units, vlans) instead of keeping order."""


Spec = Leaf | LeafList | Flag | Container | Named


def _range(low: int, high: int) -> Check:
    def check(value: str) -> str | None:
        if not value.isdigit() or not low <= int(value) <= high:
            return f"Value {value} is not within range ({low}..{high})"
        return None

    return check


def _choice(*choices: str) -> Check:
    def check(value: str) -> str | None:
        if value in choices:
            return None
        return "syntax error, expecting " + " or ".join(f"'{c}'" for c in choices) + "."

    return check


def _address(value: str) -> str | None:
    try:
        ipaddress.ip_interface(value)
    except ValueError:
        return f"invalid ip address or hostname: {value}"
    return None


def _prefix(value: str) -> str | None:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return f"invalid prefix: {value}"
    return None


_INTERFACE = re.compile(r"^(?:(?:ge|xe|et|mge)-\d+/\d+/\d+|lo0|irb|vme|me0|em\d+|ae\d+|vlan)$")


def _interface(value: str) -> str | None:
    if _INTERFACE.match(value):
        return None
    return f"invalid interface type in '{value}'"


def _vlan_name(value: str) -> str | None:
    if re.match(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$", value):
        return None
    return f"invalid vlan name: {value}"


_LEVELS = _choice("any", "emergency", "alert", "critical", "error", "warning", "notice",
                  "info", "none")
_FACILITIES = Container({
    name: Leaf(_LEVELS)
    for name in ("any", "authorization", "daemon", "kernel", "user", "change-log",
                 "interactive-commands", "firewall")
})

_FAMILY = Container({
    "address": Named(Container({"primary": Flag(), "preferred": Flag()}), check=_address),
    "interface-mode": Leaf(_choice("access", "trunk")),
    "vlan": Container({"members": LeafList()}),
    "native-vlan-id": Leaf(_range(1, 4094)),
    "mtu": Leaf(_range(256, 9216)),
})

_UNIT = Container({
    "description": Leaf(),
    "disable": Flag(),
    "vlan-id": Leaf(_range(1, 4094)),
    "family": Named(_FAMILY, check=_choice("inet", "inet6", "ethernet-switching", "iso",
                                           "mpls")),
})

_INTERFACE_BODY = Container({
    "description": Leaf(),
    "disable": Flag(),
    "mtu": Leaf(_range(256, 9216)),
    "speed": Leaf(_choice("10m", "100m", "1g", "10g", "25g", "40g", "100g")),
    "ether-options": Container({"auto-negotiation": Flag(), "no-auto-negotiation": Flag(),
                                "802.3ad": Leaf()}),
    "native-vlan-id": Leaf(_range(1, 4094)),
    "unit": Named(_UNIT, check=_range(0, 16385), natural_order=True),
})

ROOT = Container({
    "version": Leaf(),
    "system": Container({
        "host-name": Leaf(),
        "domain-name": Leaf(),
        "time-zone": Leaf(),
        "root-authentication": Container({"encrypted-password": Leaf(secret=True)}),
        "login": Container({
            "message": Leaf(),
            "user": Named(Container({
                "full-name": Leaf(),
                "uid": Leaf(_range(100, 64000)),
                "class": Leaf(),
                "authentication": Container({"encrypted-password": Leaf(secret=True)}),
            })),
        }),
        "services": Container({
            "ssh": Container({"root-login": Leaf(_choice("allow", "deny", "deny-password")),
                              "protocol-version": Leaf(_choice("v2"))}, presence=True),
            "netconf": Container({"ssh": Flag()}, presence=True),
        }),
        "name-server": Named(Container(), check=_address),
        "syslog": Container({
            "user": Named(_FACILITIES),
            "host": Named(_FACILITIES),
            "file": Named(Container({**_FACILITIES.children, "archive": Container({
                "size": Leaf(), "files": Leaf(_range(1, 1000))})})),
        }),
        "ntp": Container({
            "boot-server": Leaf(_address),
            "server": Named(Container({"prefer": Flag(), "version": Leaf(_range(1, 4))}),
                            check=_address),
        }),
    }),
    "interfaces": Container(names=Named(_INTERFACE_BODY, check=_interface, natural_order=True)),
    "snmp": Container({
        "location": Leaf(),
        "contact": Leaf(),
        "community": Named(Container({
            "authorization": Leaf(_choice("read-only", "read-write")),
            "clients": Named(Container({"restrict": Flag()}), check=_address),
        })),
    }),
    "routing-options": Container({
        "router-id": Leaf(_address),
        "static": Container({
            "route": Named(Container({"next-hop": LeafList(_address), "discard": Flag()}),
                           check=_prefix),
        }),
    }),
    "protocols": Container({
        "lldp": Container({"interface": Named(Container({"disable": Flag()}))}, presence=True),
        "rstp": Container({"interface": Named(Container({"edge": Flag()}))}, presence=True),
    }),
    "vlans": Container(names=Named(Container({
        "description": Leaf(),
        "vlan-id": Leaf(_range(1, 4094)),
        "l3-interface": Leaf(),
    }), check=_vlan_name, natural_order=True)),
})
