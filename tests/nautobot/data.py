"""The test Nautobot's contents: three good switches and three that cannot be managed.

Loaded through nocdeck's own writer (so the writer is exercised too), plus a few raw REST
writes for what the writer would never produce (a device with no platform, say). Addresses
are loopback ones: nothing here is ever connected to except the lab.
"""

from __future__ import annotations

from nocdeck.inventory.models import Device, Interface, Vlan
from nocdeck.inventory.nautobot import NautobotClient
from nocdeck.inventory.nautobot.sync import NautobotWriter


def _ports() -> list[Interface]:
    return [
        Interface(name="GigabitEthernet1/0/1", mode="access", access_vlan=10,
                  description="desk 12"),
        Interface(name="GigabitEthernet1/0/2", mode="access", access_vlan=20),
        Interface(name="GigabitEthernet1/0/3", mode="trunk", tagged_vlans=[10, 20],
                  description="uplink"),
        Interface(name="GigabitEthernet1/0/4", enabled=False, description="spare"),
    ]


GOOD = [
    Device(name="sw-hq-1", platform="cisco_ios", host="127.0.10.1", model="C9300-48P",
           software_version="17.9.4", role="access", site="hq", tags=["floor1"],
           interfaces=_ports(), vlans=[Vlan(id=10, name="users"), Vlan(id=20, name="voice")]),
    Device(name="sw-hq-2", platform="arista_eos", host="127.0.10.2", model="DCS-7050TX",
           software_version="4.30.1F", role="access", site="hq", tags=["floor2"],
           interfaces=_ports(), vlans=[Vlan(id=10, name="users"), Vlan(id=20, name="voice")]),
    Device(name="rt-dc-1", platform="juniper_junos", host="127.0.10.3", model="EX4300",
           software_version="21.4R3", role="core", site="dc1", tags=["core"],
           interfaces=_ports()[:1], vlans=[Vlan(id=10, name="users")]),
]
UNMANAGEABLE = {
    "no-platform-1": "has no platform",
    "no-ip-1": "has no primary IP",
    "odd-driver-1": "driver 'hp_comware'",
}


def load_fixtures(client: NautobotClient) -> None:
    writer = NautobotWriter(client)
    for device in GOOD:
        writer.upsert_device(device)
    tenant = client.find("/api/tenancy/tenants/", name="ops") or client.create(
        "/api/tenancy/tenants/", {"name": "ops"}, what="tenant ops")
    hq1 = client.find("/api/dcim/devices/", name="sw-hq-1")
    assert hq1 is not None
    client.update("/api/dcim/devices/", hq1["id"], {"tenant": tenant["id"]}, what="tenant")
    blue = client.create("/api/ipam/vrfs/", {"name": "BLUE", "rd": "65000:1",
                                             "namespace": "Global"}, what="VRF BLUE")
    client.create("/api/ipam/vrf-device-assignments/", {"vrf": blue["id"], "device": hq1["id"]},
                  what="VRF BLUE on sw-hq-1")
    hq = writer.location("hq")
    client.create("/api/ipam/prefixes/", {
        "prefix": "10.1.10.0/24", "status": writer.status(), "namespace": "Global",
        "location": hq, "vlan": {"vid": 10, "location": hq}, "description": "hq users",
        "type": "network"}, what="prefix 10.1.10.0/24")

    base = {"status": writer.status(), "role": writer.role("access"), "location": hq,
            "device_type": writer.device_type("C9300-48P", "Cisco")}
    client.create("/api/dcim/devices/", {**base, "name": "no-platform-1"}, what="no-platform")
    client.create("/api/dcim/devices/", {**base, "name": "no-ip-1",
                                         "platform": writer.platform("cisco_ios", "Cisco")},
                  what="no-ip")
    odd = client.create("/api/dcim/platforms/", {"name": "Comware 7",
                                                 "network_driver": "hp_comware"},
                        what="platform Comware 7")
    odd_device = client.create("/api/dcim/devices/", {**base, "name": "odd-driver-1",
                                                      "platform": odd["id"]}, what="odd-driver")
    mgmt = client.create("/api/dcim/interfaces/", {
        "device": odd_device["id"], "name": "mgmt0", "type": "virtual",
        "status": writer.status(), "mgmt_only": True}, what="odd mgmt0")
    ip = writer.ip_address("127.0.10.9/32")
    writer.assign_ip(ip, mgmt["id"])
    client.update("/api/dcim/devices/", odd_device["id"], {"primary_ip4": ip}, what="odd ip")
