"""Bench: the full template context of 500 devices x 24 interfaces from a real Nautobot.

nocdeck's bulk GraphQL load vs the naive pynautobot loop (every device, then one
`interfaces.filter(device_id=…)` per device), in the same run against the same Nautobot.
Budget (issue 8): nocdeck at least 10x faster than the naive loop, and under 15 s.

    .venv/bin/python bench/nautobot_inventory.py [--devices 500] [--interfaces 24]

It brings up its own Nautobot database (tests/nautobot/bringup.py: the pinned version, a
clone of the migrated template), fills it through Nautobot's ORM (bulk inserts, seconds),
measures, and drops it. Results go to bench/results/nautobot_inventory.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.nautobot import bringup  # noqa: E402

from nocdeck.inventory.nautobot import NautobotClient  # noqa: E402
from nocdeck.inventory.nautobot.loader import convert, fetch  # noqa: E402

FILL = '''
import sys
from django.contrib.contenttypes.models import ContentType
from nautobot.dcim.models import (Device, DeviceType, Interface, Location, LocationType,
                                  Manufacturer, Platform)
from nautobot.extras.models import Role, Status
from nautobot.ipam.models import IPAddress, IPAddressToInterface, Namespace, Prefix, VLAN

DEVICES, PORTS = [int(x) for x in sys.stdin.read().split()]
active = Status.objects.get(name="Active")
for model in (Device, Interface, Location, VLAN, Prefix, IPAddress):
    active.content_types.add(ContentType.objects.get_for_model(model))
site_type, _ = LocationType.objects.get_or_create(name="Site")
site_type.content_types.add(ContentType.objects.get_for_model(Device),
                            ContentType.objects.get_for_model(VLAN))
site, _ = Location.objects.get_or_create(name="bench", location_type=site_type, status=active)
role, _ = Role.objects.get_or_create(name="access")
role.content_types.add(ContentType.objects.get_for_model(Device))
cisco, _ = Manufacturer.objects.get_or_create(name="Cisco")
platform, _ = Platform.objects.get_or_create(name="cisco_ios", network_driver="cisco_ios",
                                             manufacturer=cisco)
model, _ = DeviceType.objects.get_or_create(model="C9300-48P", manufacturer=cisco)
vlans = VLAN.objects.bulk_create([VLAN(vid=v, name=f"v{v}", status=active, location=site)
                                  for v in range(10, 60)])
devices = Device.objects.bulk_create([
    Device(name=f"bench-{i:04d}", status=active, role=role, location=site, platform=platform,
           device_type=model) for i in range(DEVICES)])
ports = []
for device in devices:
    for p in range(1, PORTS + 1):
        trunk = p == PORTS - 1
        ports.append(Interface(device=device, name=f"GigabitEthernet1/0/{p}", type="1000base-t",
                               status=active, mode="tagged" if trunk else "access",
                               untagged_vlan=None if trunk else vlans[p % len(vlans)],
                               description=f"port {p}"))
Interface.objects.bulk_create(ports, batch_size=2000)
through = Interface.tagged_vlans.through
trunks = Interface.objects.filter(name=f"GigabitEthernet1/0/{PORTS - 1}")
through.objects.bulk_create([through(interface_id=t.pk, vlan_id=v.pk)
                             for t in trunks for v in vlans[:4]], batch_size=5000)
namespace = Namespace.objects.get(name="Global")
Prefix.objects.get_or_create(prefix="10.0.0.0/8", namespace=namespace, status=active)
by_device = {i.device_id: i for i in Interface.objects.filter(name=f"GigabitEthernet1/0/{PORTS}")}
for n, device in enumerate(devices):
    ip = IPAddress.objects.create(address=f"10.{n // 250}.{n % 250}.1/32", status=active,
                                  namespace=namespace)
    IPAddressToInterface.objects.create(ip_address=ip, interface=by_device[device.pk])
    Device.objects.filter(pk=device.pk).update(primary_ip4=ip)
print("filled", Device.objects.count(), Interface.objects.count())
'''


def naive_pynautobot(url: str, token: str) -> tuple[float, int]:
    """What a script usually does: all devices, then each device's interfaces."""
    import pynautobot

    started = time.perf_counter()
    nb = pynautobot.api(url, token=token)
    contexts: list[dict[str, Any]] = []
    for device in nb.dcim.devices.all():
        interfaces = nb.dcim.interfaces.filter(device_id=device.id)
        contexts.append({
            "device": {"name": device.name, "platform": str(device.platform)},
            "interfaces": [{"name": i.name, "mode": i.mode.value if i.mode else None,
                            "description": i.description, "enabled": i.enabled,
                            "untagged_vlan": i.untagged_vlan.id if i.untagged_vlan else None,
                            "tagged_vlans": [v.id for v in i.tagged_vlans or []]}
                           for i in interfaces]})
    return time.perf_counter() - started, len(contexts)


def nocdeck_bulk(url: str, token: str) -> tuple[float, int, int, int]:
    started = time.perf_counter()
    with NautobotClient(url, token, timeout=120) as client:
        converted = convert(fetch(client))
        contexts = [d.context() for d in converted.devices]
        requests = client.requests
    ports = sum(len(c["interfaces"]) for c in contexts)
    return time.perf_counter() - started, len(contexts), ports, requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--interfaces", type=int, default=24)
    args = parser.parse_args()
    state_file = bringup.home() / "bench-state.json"
    state = bringup.bring_up(state_file)
    try:
        url, token, database = str(state["url"]), str(state["token"]), str(state["database"])
        t0 = time.perf_counter()
        print(bringup.nautobot(["shell", "--command", FILL], database,
                               input_text=f"{args.devices} {args.interfaces}").strip())
        fill = time.perf_counter() - t0
        bulk, devices, ports, requests = nocdeck_bulk(url, token)
        print(f"nocdeck bulk: {bulk:.2f} s for {devices} devices, {ports} interfaces, "
              f"{requests} requests")
        naive, naive_devices = naive_pynautobot(url, token)
        print(f"naive pynautobot loop: {naive:.2f} s for {naive_devices} devices, "
              f"{naive_devices + 1}+ requests")
        ratio = naive / bulk
        ok = ratio >= 10 and bulk < 15
        print(f"speed-up {ratio:.1f}x; budget (>= 10x and < 15 s): {'met' if ok else 'MISSED'}")
        results = ROOT / "bench" / "results"
        results.mkdir(parents=True, exist_ok=True)
        (results / "nautobot_inventory.json").write_text(json.dumps({
            "devices": devices, "interfaces": ports, "fill_seconds": round(fill, 1),
            "nocdeck_seconds": round(bulk, 2), "nocdeck_requests": requests,
            "naive_seconds": round(naive, 2), "speedup": round(ratio, 1),
            "budget_met": ok, "nautobot": bringup.NAUTOBOT_VERSION}, indent=2))
        return 0 if ok else 1
    finally:
        bringup.stop(state_file)


if __name__ == "__main__":
    sys.exit(main())
