"""What a simulated Junos switch prints for its operational `show` commands and pipes.

Outputs are derived from the device's state (facts, committed config, commit history) in
the formats netmiko's SSHDetect and ntc-templates recognise.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Sequence

from nocdeck.lab.junos_config import JunosConfig, Node
from nocdeck.lab.junos_device import JunosDevice, material


def hostname(config: JunosConfig, default: str) -> str:
    """The committed `system host-name` (the prompt follows it after a commit)."""
    system = config.root.children.get("system")
    node = system.children.get("host-name") if system else None
    return node.values[0] if node and node.values else default


def stamp(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(at))


def show_version(device: JunosDevice) -> str:
    facts = device.facts
    lines = [f"Hostname: {hostname(device.committed(), device.name)}",
             f"Model: {facts['model']}", f"Junos: {facts['version']}"]
    lines += [p.format(**facts) for p in material()["packages"]]
    return "\n".join(lines) + "\n"


def show_system_commit(device: JunosDevice) -> str:
    lines = []
    for number, commit in enumerate(device.commits):
        line = f"{number}   {stamp(commit.at)} by {commit.user} via {commit.via}"
        if number == 0 and commit.confirmed_minutes and device.confirm_deadline is not None:
            line += f" commit confirmed, rollback in {device.minutes_to_rollback()}mins"
        lines.append(line)
        if commit.comment:
            lines.append(f"    {commit.comment}")
    return "\n".join(lines) + "\n"


def show_system_uptime(device: JunosDevice) -> str:
    now = time.time()
    up = int(now - device.facts["booted"])
    days, rest = divmod(up, 86400)
    return (f"Current time: {stamp(now)}\n"
            f"System booted: {stamp(device.facts['booted'])} ({days}d {rest // 3600:02d}:"
            f"{rest % 3600 // 60:02d} ago)\n"
            f"Last configured: {stamp(device.commits[0].at)} by {device.commits[0].user}\n")


def _link_up(name: str, description: str) -> bool:
    """Cabled ports are mostly up; the answer is stable for a port so reads agree."""
    if name in ("irb", "lo0") or description.startswith("Uplink"):
        return True
    return zlib.crc32(name.encode()) % 10 < 8


def show_interfaces_terse(device: JunosDevice, only: str | None = None) -> str:
    """`show interfaces terse`: one row per physical and logical interface."""
    interfaces = device.committed().root.children.get("interfaces")
    rows = [f"{'Interface':<24}{'Admin':<6}{'Link':<5}{'Proto':<9}{'Local':<22}Remote"]
    for ifd in interfaces.ordered() if interfaces else []:
        if only is not None and only not in (ifd.head,) and not only.startswith(ifd.head + "."):
            continue
        description = ifd.children["description"].values[0] if "description" in \
            ifd.children else ""
        admin = "down" if "disable" in ifd.children else "up"
        link = "up" if admin == "up" and _link_up(ifd.head, description) else "down"
        if only is None or only == ifd.head:
            rows.append(f"{ifd.head:<24}{admin:<6}{link}")
        for unit in ifd.ordered():
            if not unit.head.startswith("unit "):
                continue
            name = f"{ifd.head}.{unit.head.split()[1]}"
            if only is not None and only not in (ifd.head, name):
                continue
            rows += _unit_rows(name, unit, admin, link)
    return "\n".join(rows) + "\n"


def _unit_rows(name: str, unit: Node, admin: str, link: str) -> list[str]:
    rows = []
    first = True
    for family in unit.ordered():
        if not family.head.startswith("family "):
            continue
        proto = family.head.split()[1].replace("ethernet-switching", "eth-switch")
        addresses = [c.head.split()[1] for c in family.ordered() if c.head.startswith("address ")]
        for address in addresses or [""]:
            left = f"{name:<24}{admin:<6}{link:<5}" if first else " " * 35
            rows.append(f"{left}{proto:<9}{address}".rstrip())
            first = False
    if first:
        rows.append(f"{name:<24}{admin:<6}{link}")
    return rows


def apply_pipes(output: str, pipes: Sequence[Sequence[str]]) -> str | None:
    """Apply `| match X`, `| except X`, `| count`, `| last N`, `| no-more`; None if unknown."""
    for pipe in pipes:
        lines = output.rstrip("\n").split("\n") if output.strip() else []
        verb, args = (pipe[0], pipe[1:]) if pipe else ("", [])
        if verb in ("match", "except") and len(args) == 1:
            pattern = re.compile(args[0], re.IGNORECASE)
            keep = [ln for ln in lines if bool(pattern.search(ln)) == (verb == "match")]
            output = "".join(ln + "\n" for ln in keep)
        elif verb == "count" and not args:
            output = f"Count: {len(lines)} lines\n"
        elif verb == "last" and len(args) == 1 and args[0].isdigit():
            output = "".join(ln + "\n" for ln in lines[-int(args[0]):])
        elif verb != "no-more" or args:
            return None
    return output
