"""Initial configs for IOS-like and EOS-like lab devices, from the data files.

A new lab device should look like a switch someone has run for a while: 24 or 48 described
ports in access and trunk mode, a VLAN database, SVIs, NTP, SNMP, AAA with hashed secrets,
logging and a banner. Everything is drawn from `data/lab.yaml` with a random generator seeded
by (`--seed`, device index), so the same seed gives the same lab.
"""

from __future__ import annotations

import functools
import random
import time
from typing import Any

import jinja2
import yaml

from nocdeck.credentials import LAB_ENABLE_SECRET, LAB_PASSWORD, LAB_USERNAME
from nocdeck.lab.ciscoconf import parse_config
from nocdeck.lab.flavor import data_text, load_flavor
from nocdeck.lab.grammar import compress_vlans
from nocdeck.lab.platform import LabDevice
from nocdeck.lab.secrets import hash_secret

TEMPLATES = {"cisco_ios": "ios.j2", "arista_eos": "eos.j2"}


@functools.cache
def _template(platform: str) -> jinja2.Template:
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined, autoescape=False)
    return env.from_string(data_text(TEMPLATES[platform]))


@functools.cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(data_text("lab.yaml"))
    return data


def _ports(rng: random.Random, data: dict[str, Any], eos: bool) -> list[dict[str, Any]]:
    count = rng.choice([24, 48])
    all_vlans = [v["id"] for v in data["vlans"]]
    ports: list[dict[str, Any]] = []
    for number in range(1, count + 1):
        name = f"Ethernet{number}" if eos else f"GigabitEthernet1/0/{number}"
        port: dict[str, Any] = {"name": name, "mode": "access", "shutdown": False,
                                "description": "", "vlan": rng.choice(data["access_vlans"])}
        if number > count - 2:
            peer = f"core-{number - count + 2}"
            port.update(mode="trunk", description=f"uplink to {peer} port {number}",
                        trunk=compress_vlans(all_vlans))
        else:
            roll = rng.random()
            if roll < 0.6:
                template = rng.choice(data["port_descriptions"])
                port["description"] = template.format(room=rng.choice(data["rooms"]),
                                                      n=rng.randint(1, 40))
            elif roll < 0.75:
                port.update(description="unused", shutdown=True)
        ports.append(port)
    return ports


def _facts(rng: random.Random, data: dict[str, Any], platform: str, ports: int
           ) -> dict[str, Any]:
    eos = platform == "arista_eos"
    spec = data["eos" if eos else "ios"]
    alnum = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    serial = spec["serial_prefix"] + (
        "".join(rng.choice("0123456789") for _ in range(8)) if eos
        else f"{rng.randint(1000, 2399)}X{''.join(rng.choice(alnum) for _ in range(3))}")
    mac = ":".join(["00", "1c" if eos else "1a", *(f"{rng.randint(0, 255):02x}"
                                                     for _ in range(3)), "00"])
    facts: dict[str, Any] = {
        "model": spec["models"][ports], "serial": serial, "mac": mac,
        "version": spec["version"], "manufacturer": "Arista" if eos else "Cisco",
        "booted_at": time.time() - rng.randint(3, 400) * 86400 - rng.randint(0, 86399),
    }
    if not eos:
        facts.update(family=spec["family"], image=spec["image"], image_file=spec["image_file"])
    return facts


def initial_config(platform: str, name: str, *, seed: int, index: int
                   ) -> tuple[str, dict[str, Any]]:
    """The running config text and the facts of a new device."""
    data = _data()
    rng = random.Random(f"{seed}:{index}:{platform}")
    eos = platform == "arista_eos"
    ports = _ports(rng, data, eos)
    site = rng.choice(data["sites"])
    host_octet = index % 250 + 2
    subnet = index // 250
    svis = [{"vlan": v["id"], "description": f"{v['name']} gateway",
             "ip": f"10.{v['id']}.{subnet}.{host_octet}", "mask": "255.255.255.0",
             "prefixlen": 24}
            for v in data["vlans"] if v["id"] in (99, 100)]
    context = {
        **data, "hostname": name, "site": site, "ports": ports, "svis": svis,
        "username": LAB_USERNAME,
        "user_hash": hash_secret(LAB_PASSWORD, eos=eos),
        "enable_hash": hash_secret(LAB_ENABLE_SECRET, eos=eos),
        "community": f"nd-ro-{rng.getrandbits(32):08x}",
        "loopback": f"10.255.{subnet}.{host_octet}",
        "management": f"10.98.{subnet}.{host_octet}",
        "gateway": f"10.99.{subnet}.1",
        "banner": [line.format(hostname=name, site=site) for line in data["banner"]],
    }
    text = _template(platform).render(context)
    facts = _facts(rng, data, platform, len(ports))
    facts["site"] = site
    return text, facts


def new_cisco_device(platform: str, name: str, *, seed: int, index: int) -> LabDevice:
    """A fresh IOS-like or EOS-like device: running and startup are the generated config."""
    text, facts = initial_config(platform, name, seed=seed, index=index)
    running = parse_config(text, load_flavor(platform).layout)
    return LabDevice(name=name, platform=platform, running=running, startup=running.copy(),
                     facts=facts, enable_secret=LAB_ENABLE_SECRET)
