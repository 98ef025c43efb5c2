"""Each platform's config quirks, in one table per platform.

What a line replaces when it is applied ("key" rules), which lines open a section, which
negations the device shows in its running config, how it indents, how it writes banners and
how it spells interface names. The code in `cli.py` and `junos.py` reads only these tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal


def _rx(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


@dataclass(frozen=True)
class CliDialect:
    """An indent-based CLI (IOS, IOS-XE, EOS)."""

    name: str
    indent: int
    """Spaces per level in `show running-config` (IOS 1, EOS 3)."""
    single_value: tuple[re.Pattern[str], ...]
    """A line matching one of these replaces the sibling with the same match: the "key"."""
    sections: tuple[re.Pattern[str], ...]
    """Top-level lines that open a section (for candidate lines written without indent)."""
    subsections: dict[str, tuple[re.Pattern[str], ...]]
    """First word of a section -> lines that open a section inside it (`address-family`)."""
    leave_section: tuple[str, ...]
    """Lines that pop back one level (`exit`, `exit-address-family`)."""
    global_only: re.Pattern[str]
    """Commands that only exist at the top level: they end an unindented section."""
    negations_shown: frozenset[str]
    """`no X` forms the device keeps as a line in its running config (`no ip address`)."""
    interface_types: tuple[str, ...]
    """Full interface type names: `Gi1/0/1` is written `GigabitEthernet1/0/1`."""
    banner: Literal["delimited", "eof"]
    """IOS: `banner motd ^C` … `^C`; EOS: `banner motd` … `EOF`."""
    sorted_lists: re.Pattern[str] = re.compile(r"interface|vlan")
    """Lists the device keeps in natural order (their common leading words)."""
    separator: str = "!"


_COMMON_SINGLE = (
    r"^hostname\b",
    r"^ip domain[ -]name\b",
    r"^ip default-gateway\b",
    r"^snmp-server (?:location|contact|chassis-id)\b",
    r"^snmp-server community \S+",
    r"^enable (?:secret|password)\b",
    r"^username \S+",
    r"^clock timezone\b",
    r"^banner \S+",
    r"^spanning-tree mode\b",
    r"^vtp (?:mode|domain|version)\b",
    r"^ip ssh version\b",
    r"^logging buffered\b",
    r"^service timestamps (?:debug|log)\b",
    # inside sections
    r"^description\b",
    r"^name\b",
    r"^shutdown$",
    r"^switchport mode\b",
    r"^switchport access vlan\b",
    r"^switchport voice vlan\b",
    r"^switchport trunk native vlan\b",
    r"^switchport trunk allowed vlan(?! (?:add|remove|except)\b)",
    r"^ip address(?!.* secondary$)",
    r"^mtu\b",
    r"^speed\b",
    r"^duplex\b",
    r"^channel-group\b",
    r"^encapsulation\b",
    r"^vrf(?: forwarding| member)?\b",
    r"^ip vrf forwarding\b",
    r"^spanning-tree (?:portfast|bpduguard)\b",
    r"^storm-control (?:broadcast|multicast|unicast) level\b",
    r"^exec-timeout\b",
    r"^transport input\b",
    r"^login(?: authentication)?\b",
    r"^router-id\b",
    r"^ip ospf (?:cost|priority|network)\b",
)

_COMMON_NEGATIONS_SHOWN = frozenset({
    "ip address", "switchport", "ip redirects", "ip unreachables", "ip proxy-arp",
    "ip route-cache", "cdp enable", "mop enabled", "keepalive", "autostate",
    "lldp transmit", "lldp receive", "ip domain lookup", "ip http server",
    "ip http secure-server", "service pad", "logging console",
})

_COMMON_SECTIONS = (
    r"^interface \S+",
    r"^vlan \d+(?:[-,]\d+)*$",
    r"^router \S+",
    r"^line \S+",
    r"^ip(?:v6)? access-list \S+",
    r"^(?:route|class|policy)-map\b",
    r"^key chain \S+",
    r"^vrf (?:definition|instance) \S+",
    r"^ip vrf \S+",
    r"^aaa group server\b",
    r"^ip dhcp pool\b",
    r"^track \d+",
    r"^spanning-tree mst configuration$",
    r"^crypto (?:isakmp policy|ipsec profile|map)\b",
    r"^control-plane$",
)

_COMMON_GLOBAL_ONLY = (
    r"^(?:no )?(?:hostname|ntp|snmp-server|logging (?:host|server|buffered|trap)|ip route"
    r"|ip domain|ip name-server|ip default-gateway|username|enable (?:secret|password)"
    r"|service|aaa|banner|clock|vtp|spanning-tree (?:mode|vlan|mst)|ip ssh|ip http"
    r"|cdp run|lldp run|interface|vlan \d|router|line|ip routing|boot|archive|errdisable"
    r"|management|dns|daemon|event-handler|transceiver)\b"
)

CISCO_IOS = CliDialect(
    name="cisco_ios",
    indent=1,
    single_value=_rx(*_COMMON_SINGLE),
    sections=_rx(*_COMMON_SECTIONS),
    subsections={
        "router": _rx(r"^address-family\b", r"^vrf \S+"),
        "policy-map": _rx(r"^class \S+"),
    },
    leave_section=("exit", "exit-address-family", "exit-vrf"),
    global_only=re.compile(_COMMON_GLOBAL_ONLY),
    negations_shown=_COMMON_NEGATIONS_SHOWN,
    interface_types=("GigabitEthernet", "TenGigabitEthernet", "FastEthernet",
                     "TwentyFiveGigE", "FortyGigabitEthernet", "HundredGigE", "Ethernet",
                     "Loopback", "Vlan", "Port-channel", "Tunnel", "Serial",
                     "AppGigabitEthernet", "Null", "BDI"),
    banner="delimited",
)

CISCO_XE = CliDialect(**{**CISCO_IOS.__dict__, "name": "cisco_xe"})

ARISTA_EOS = CliDialect(
    name="arista_eos",
    indent=3,
    single_value=_rx(*_COMMON_SINGLE, r"^dns domain\b", r"^ip name-server vrf \S+ \S+",
                     r"^ntp local-interface\b", r"^switchport trunk group\b"),
    sections=_rx(*_COMMON_SECTIONS, r"^management \S+(?: \S+)?$", r"^daemon \S+",
                 r"^monitor session \S+$"),
    subsections={
        "router": _rx(r"^address-family\b", r"^vrf \S+", r"^vlan \d+"),
        "policy-map": _rx(r"^class \S+"),
        "management": _rx(r"^vrf \S+"),
    },
    leave_section=("exit",),
    global_only=re.compile(_COMMON_GLOBAL_ONLY),
    negations_shown=_COMMON_NEGATIONS_SHOWN | {"aaa root"},
    interface_types=("Ethernet", "Management", "Loopback", "Vlan", "Port-Channel", "Vxlan",
                     "Tunnel", "Recirc-Channel"),
    banner="eof",
)


@dataclass(frozen=True)
class JunosDialect:
    """Junos, compared in `display set` form."""

    name: str
    single_value: frozenset[str]
    """Statements that take exactly one value: `set … host-name X` replaces the old name."""
    valued_containers: frozenset[str]
    """Containers named by a value (`unit 0`, `family inet`): their name is not a leaf value."""
    sorted_lists: re.Pattern[str]
    """Lists Junos keeps in natural order (their common leading words); others keep the
    order they were configured in."""


JUNIPER_JUNOS = JunosDialect(
    name="juniper_junos",
    single_value=frozenset({
        "host-name", "domain-name", "time-zone", "description", "vlan-id", "mtu", "speed",
        "interface-mode", "port-mode", "native-vlan-id", "location", "contact", "message",
        "announcement", "encrypted-password", "class", "uid", "full-name", "802.3ad",
        "root-login", "authorization", "version", "l3-interface", "default-address-selection",
        "router-id", "autonomous-system", "preference", "metric", "authentication-key",
        "secret", "local-address", "peer-as", "type",
        # syslog facilities take one level each (`host 10.0.0.50 any notice`)
        "any", "daemon", "kernel", "change-log", "interactive-commands", "firewall", "pfe",
    }),
    valued_containers=frozenset({
        "interfaces", "vlans", "unit", "family", "address", "server", "host", "user",
        "community", "group", "neighbor", "interface", "route", "term", "policy-statement",
        "filter", "area", "file", "routing-instance", "instance", "clients", "trap-group",
        "name-server",
    }),
    sorted_lists=re.compile(r"interfaces|vlans|interfaces \S+ unit"),
)

CLI_DIALECTS: dict[str, CliDialect] = {
    "cisco_ios": CISCO_IOS,
    "cisco_xe": CISCO_XE,
    "arista_eos": ARISTA_EOS,
}
JUNOS_DIALECTS: dict[str, JunosDialect] = {"juniper_junos": JUNIPER_JUNOS}
PLATFORMS: tuple[str, ...] = (*CLI_DIALECTS, *JUNOS_DIALECTS)
