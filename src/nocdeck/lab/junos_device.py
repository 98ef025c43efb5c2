"""A simulated Junos switch: its committed config, shared candidate and commit history.

Junos has no separate save: `running` and `startup` are both the last committed config.
The candidate is one per device, shared by every `configure` session as on a real box, so a
change left uncommitted by one session is still there in the next. `commit confirmed N`
schedules its own rollback on the asyncio loop when there is one (the lab server), else on a
timer thread; every CLI line also checks the deadline, so the rollback is deterministic.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, cast

import yaml

from nocdeck.lab.junos_config import JunosConfig, quote, resolve, tokenize
from nocdeck.lab.platform import LabDevice

HISTORY_DEPTH = 50
"""Junos keeps rollback 0…49."""


@dataclass(frozen=True)
class Commit:
    """One entry of `show system commit`; its config is what `rollback N` loads."""

    config: JunosConfig
    at: float
    user: str
    via: str = "cli"
    comment: str = ""
    confirmed_minutes: int | None = None


@dataclass(eq=False)
class JunosDevice(LabDevice):
    """A `LabDevice` whose `running` and `startup` are `JunosConfig`s, plus Junos's extras."""

    candidate: JunosConfig | None = None
    """Uncommitted edits shared by all sessions; None means "same as running"."""
    commits: list[Commit] = field(default_factory=list)
    """commits[0] describes the running config, commits[N] is `rollback N`."""
    confirm_deadline: float | None = None
    """time.monotonic() after which an unconfirmed `commit confirmed` rolls back."""
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    exclusive: tuple[int, str, float] | None = None
    """(session, user, since) of a `configure exclusive` session holding the database."""

    def take_exclusive(self, session: int, user: str) -> str | None:
        """Lock the candidate for one session; Junos's refusal text when someone else has it."""
        with self.lock:
            refusal = self.locked_for(session)
            if refusal is None:
                self.exclusive = (session, user, time.time())
            return refusal

    def locked_for(self, session: int) -> str | None:
        """Junos's `configuration database locked` error, unless `session` may edit."""
        holder = self.exclusive
        if holder is None or holder[0] == session:
            return None
        since = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(holder[2]))
        return (f"error: configuration database locked by:\n  {holder[1]} terminal "
                f"pts/{holder[0]} (pid {4000 + holder[0]}) on since {since}\n"
                "      exclusive [edit]")

    def release_exclusive(self, session: int) -> None:
        """End an exclusive edit: Junos throws its uncommitted changes away."""
        with self.lock:
            if self.exclusive is not None and self.exclusive[0] == session:
                self.exclusive, self.candidate = None, None

    def editable(self) -> JunosConfig:
        """The candidate, created from the running config on the first edit."""
        with self.lock:
            if self.candidate is None:
                self.candidate = self.committed().copy()
            return self.candidate

    def committed(self) -> JunosConfig:
        running: JunosConfig = self.running
        return running

    def has_changes(self) -> bool:
        return self.candidate is not None and self.candidate != self.committed()

    def rollback_config(self, number: int) -> JunosConfig | None:
        """The config `rollback N` would load (0 is the running config)."""
        if number == 0:
            return self.committed()
        return self.commits[number].config if number < len(self.commits) else None

    def commit(self, user: str, *, comment: str = "", confirm_minutes: int | None = None,
               via: str = "cli") -> None:
        """Make the candidate the running (and startup) config; a plain commit confirms."""
        with self.lock:
            # A committed config is never edited in place (edits go to a fresh candidate),
            # so running, startup and the history entry can share one object.
            new = self.candidate if self.candidate is not None else self.committed().copy()
            self.commits.insert(0, Commit(new, time.time(), user, via, comment,
                                          confirm_minutes))
            del self.commits[HISTORY_DEPTH:]
            self.running, self.startup, self.candidate = new, new, None
            self.confirm_deadline = None
            if confirm_minutes is not None:
                delay = confirm_minutes * 60 / max(self.time_scale, 1e-9)
                self.confirm_deadline = time.monotonic() + delay
                _schedule(delay, self.expire_confirmed_commit)

    def expire_confirmed_commit(self, *, now: float | None = None) -> bool:
        """Roll back an unconfirmed `commit confirmed` whose time is up; True if it did."""
        with self.lock:
            deadline = self.confirm_deadline
            if deadline is None or (now if now is not None else time.monotonic()) < deadline:
                return False
            previous = self.rollback_config(1)
            self.confirm_deadline = None
            if previous is None:
                return False
            self.candidate = previous.copy()
            self.commit("root", via="other", comment="commit confirmed rollback")
            return True

    def minutes_to_rollback(self) -> int | None:
        """Whole minutes (lab time, rounded up) until an unconfirmed commit rolls back."""
        deadline = self.confirm_deadline
        if deadline is None:
            return None
        left = max(0.0, deadline - time.monotonic()) * self.time_scale
        return max(1, int(-(-left // 60)))


def as_junos_device(device: LabDevice) -> JunosDevice:
    """The device as a `JunosDevice`, upgraded in place when a generic loader built it.

    The lab's `--state-dir` loader restores any platform as a plain `LabDevice`; every
    session of the device shares that one object, so it gains the Junos fields in place
    rather than being copied (a copy would split the candidate between sessions).
    """
    if isinstance(device, JunosDevice):
        return device
    with _UPGRADE:
        if not isinstance(device, JunosDevice):
            running = device.running
            if isinstance(running, str):
                running = JunosConfig.parse(running)
            if not isinstance(running, JunosConfig):
                raise TypeError(f"{device.name}: not a Junos configuration: {type(running)}")
            device.__class__ = JunosDevice
            upgraded = cast(JunosDevice, device)
            upgraded.running = upgraded.startup = running
            upgraded.candidate, upgraded.confirm_deadline, upgraded.exclusive = None, None, None
            upgraded.lock = threading.RLock()
            upgraded.commits = [Commit(running, time.time(), "root", comment="restored")]
            upgraded.facts = {**_default_facts(device.name), **device.facts}
    return cast(JunosDevice, device)


_UPGRADE = threading.Lock()


def _default_facts(name: str) -> dict[str, Any]:
    """Facts of a device restored without them, so `show version` still reads right."""
    model = material()["models"][0]
    version = sorted(material()["versions"])[0]
    return {"manufacturer": "Juniper", "model": model["model"], "serial": "PE0000000000",
            "version": version, "build": material()["versions"][version],
            "suite": model["suite"], "bits": model["bits"], "ports": model["ports"],
            "index": 0, "hostname": name, "booted": time.time(), "site": "lab"}


def _schedule(delay: float, action: Any) -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        timer = threading.Timer(delay, action)
        timer.daemon = True
        timer.start()
    else:
        loop.call_later(delay, action)


@cache
def material() -> dict[str, Any]:
    text = resources.files("nocdeck.lab").joinpath("data/junos.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _crypt(rng: random.Random) -> str:
    alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    salt = "".join(rng.choice(alphabet) for _ in range(8))
    return f"$6${salt}$" + "".join(rng.choice(alphabet) for _ in range(86))


def initial_set_lines(name: str, rng: random.Random, facts: dict[str, Any]) -> list[str]:
    """The factory-plus-site config of one switch, as the set lines an engineer would type."""
    m = material()
    lines = [f"set version {facts['version']}", f"set system host-name {name}"]
    root_pw, admin_pw = _crypt(rng), _crypt(rng)
    lines += [
        f"set system root-authentication encrypted-password {quote(root_pw, always=True)}",
        f"set system login message {quote(m['login_message'])}",
        "set system login user admin uid 2000",
        "set system login user admin class super-user",
        f"set system login user admin authentication encrypted-password "
        f"{quote(admin_pw, always=True)}",
        "set system services ssh root-login deny",
        "set system services netconf ssh",
        "set system domain-name example.net",
        "set system time-zone Europe/Paris",
    ]
    lines += [f"set system name-server {a}" for a in rng.sample(m["name_servers"], 2)]
    lines += ["set system syslog user * any emergency"]
    lines += [f"set system syslog host {rng.choice(m['syslog_hosts'])} any notice",
              "set system syslog file messages any notice",
              "set system syslog file messages authorization info",
              "set system syslog file interactive-commands interactive-commands any"]
    lines += [f"set system ntp server {a}" for a in rng.sample(m["ntp_servers"], 2)]
    vlans = [v for v in m["vlans"] if v["name"] in ("users", "voice", "mgmt")]
    vlans += rng.sample([v for v in m["vlans"] if v not in vlans], 2)
    vlans.sort(key=lambda v: v["id"])
    access = [v for v in vlans if v["name"] in m["access_ports"]]
    third = 10 + facts["index"] % 200
    ports = facts["ports"]
    for n in range(ports):
        ifd = f"set interfaces ge-0/0/{n}"
        family = f"{ifd} unit 0 family ethernet-switching"
        if n >= ports - 2:
            text = rng.choice(m["uplinks"]).format(n=n - ports + 3, floor=third % 9)
            lines += [f"{ifd} description {quote(text)}", f"{family} interface-mode trunk"]
            lines += [f"{family} vlan members {v['name']}" for v in vlans]
            continue
        vlan = rng.choice(access)
        text = rng.choice(m["access_ports"][vlan["name"]]).format(n=n + 1, floor=rng.randint(1, 6))
        lines += [f"{ifd} description {quote(text)}", f"{family} interface-mode access",
                  f"{family} vlan members {vlan['name']}"]
        if rng.random() < 0.08:
            lines.append(f"{ifd} disable")
    loopback = f"10.255.{third}.{facts['index'] % 250 + 1}/32"
    lines.append(f"set interfaces lo0 unit 0 family inet address {loopback}")
    for v in vlans:
        lines += [f"set interfaces irb unit {v['id']} family inet address "
                  f"10.{third}.{v['id']}.{2 + facts['index'] % 2}/24",
                  f"set vlans {v['name']} description {quote(v['description'])}",
                  f"set vlans {v['name']} vlan-id {v['id']}",
                  f"set vlans {v['name']} l3-interface irb.{v['id']}"]
    community = rng.choice(m["communities"])
    lines += [f"set snmp location {quote(rng.choice(m['sites']))}",
              f"set snmp contact {quote(rng.choice(m['contacts']))}",
              f"set snmp community {community} authorization read-only",
              f"set snmp community {community} clients 10.0.0.0/24",
              f"set routing-options static route 0.0.0.0/0 next-hop 10.{third}.99.1",
              "set protocols lldp interface all",
              "set protocols rstp interface all"]
    return lines


def new_junos_device(name: str, *, seed: int, index: int) -> JunosDevice:
    """A Junos switch named `name`, the same for the same (seed, index)."""
    m = material()
    rng = random.Random(f"junos:{seed}:{index}")
    hw = rng.choice(m["models"])
    version = rng.choice(sorted(m["versions"]))
    serial = rng.choice(m["serial_prefixes"]) + "".join(rng.choice("0123456789")
                                                         for _ in range(8))
    facts: dict[str, Any] = {
        "manufacturer": "Juniper", "model": hw["model"], "serial": serial, "version": version,
        "build": m["versions"][version], "suite": hw["suite"], "bits": hw["bits"],
        "ports": hw["ports"], "index": index, "hostname": name,
        "booted": time.time() - rng.randint(3, 400) * 86400,
    }
    lines = initial_set_lines(name, rng, facts)
    facts["site"] = next(ln.split(" ", 3)[3].strip('"') for ln in lines
                         if ln.startswith("set snmp location "))
    config = JunosConfig()
    for line in lines:
        config.set(resolve([w for w, _ in tokenize(line)][1:]))
    device = JunosDevice(name=name, platform="juniper_junos", running=config,
                         startup=config.copy(), facts=facts)
    device.commits.append(Commit(config, facts["booted"], "root", via="cli",
                                 comment="initial configuration"))
    return device
