"""Interface names as each platform spells them, from whatever the engineer typed.

An engineer types `Gi1/0/1`, `gi1/0/1` or `GigabitEthernet1/0/1`; IOS stores the long form,
EOS stores `Ethernet1`, Junos names are already canonical (`ge-0/0/1`). Templates, plans and
diffs must all agree on one spelling, so the mapping lives here and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_IOS_NAMES: tuple[tuple[str, str], ...] = (
    # (long name, short name); the order decides which long name an ambiguous prefix means
    ("GigabitEthernet", "Gi"),
    ("FastEthernet", "Fa"),
    ("TenGigabitEthernet", "Te"),
    ("TwentyFiveGigE", "Twe"),
    ("FortyGigabitEthernet", "Fo"),
    ("HundredGigE", "Hu"),
    ("Ethernet", "Eth"),
    ("Port-channel", "Po"),
    ("Loopback", "Lo"),
    ("Vlan", "Vl"),
    ("Tunnel", "Tu"),
    ("Serial", "Se"),
    ("Management", "Ma"),
)

_EOS_NAMES: tuple[tuple[str, str], ...] = (
    ("Ethernet", "Et"),
    ("Management", "Ma"),
    ("Port-Channel", "Po"),
    ("Loopback", "Lo"),
    ("Vlan", "Vl"),
    ("Vxlan", "Vx"),
    ("Tunnel", "Tu"),
)

_PLATFORM_NAMES: Mapping[str, tuple[tuple[str, str], ...]] = {
    "cisco_ios": _IOS_NAMES,
    "cisco_xe": _IOS_NAMES,
    "cisco_nxos": _IOS_NAMES,
    "cisco_xr": _IOS_NAMES,
    "arista_eos": _EOS_NAMES,
}

_SPLIT = re.compile(r"^\s*(?P<kind>[A-Za-z][A-Za-z-]*?)\s*(?P<rest>\d.*?)\s*$")


def _split(name: str) -> tuple[str, str] | None:
    match = _SPLIT.match(name)
    if match is None:
        return None
    return match.group("kind"), match.group("rest")


def _lookup(kind: str, platform: str) -> tuple[str, str] | None:
    names = _PLATFORM_NAMES.get(platform)
    if names is None:
        return None
    lowered = kind.lower()
    for long_name, short_name in names:
        if lowered in (long_name.lower(), short_name.lower()):
            return long_name, short_name
    for long_name, short_name in names:
        if long_name.lower().startswith(lowered) and len(lowered) >= 2:
            return long_name, short_name
    return None


def _rename(name: str, platform: str, form: int) -> str:
    """`name` in the platform's long (form 0) or short (form 1) spelling; Junos names and
    names this module does not know come back stripped but unchanged, so an unusual
    interface never turns into a wrong one."""
    text = str(name).strip()
    if platform == "juniper_junos":
        return text.lower()
    parts = _split(text)
    if parts is None:
        return text
    found = _lookup(parts[0], platform)
    if found is None:
        return text
    return f"{found[form]}{parts[1]}"


def normalise_interface(name: str, platform: str) -> str:
    """The platform's full interface name: `Gi1/0/1` -> `GigabitEthernet1/0/1` on IOS."""
    return _rename(name, platform, 0)


def short_interface(name: str, platform: str) -> str:
    """The abbreviated form that `show` tables print: `GigabitEthernet1/0/1` -> `Gi1/0/1`."""
    return _rename(name, platform, 1)


def same_interface(left: str, right: str, platform: str) -> bool:
    """True when two spellings name the same interface on this platform."""
    return normalise_interface(left, platform) == normalise_interface(right, platform)
