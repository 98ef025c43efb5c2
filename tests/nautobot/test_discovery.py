"""Discovery and onboarding: given lab switches nobody has recorded yet, when I run
`nocdeck discover`, then each is identified from `show version`, lands in Nautobot (or my
inventory file) with its interfaces and primary IP, and the run is recorded with its counts
and the reason for every target that failed."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from nocdeck.inventory import load_inventory
from nocdeck.inventory.nautobot import NautobotClient
from nocdeck.lab import LabSpec, LabThread
from nocdeck.store import Store
from tests.nautobot.conftest import run_cli


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_discover_from_csv_into_nautobot(lab_factory: Callable[[LabSpec], LabThread],
                                         nautobot_env: dict[str, str], client: NautobotClient,
                                         tmp_path: Path) -> None:
    lab = lab_factory(LabSpec(devices=3))
    dead = _dead_port()
    rows = ["host,port,name,credentials"]
    rows += [f"{i.host},{i.port},disc-{i.name},lab" for i in lab.lab.devices]
    rows.append(f"127.0.0.1,{dead},disc-gone,lab")
    targets = tmp_path / "targets.csv"
    targets.write_text("\n".join(rows) + "\n", encoding="utf-8")

    result = run_cli("--inventory", "nautobot", "discover", "--csv", str(targets),
                     "--no-host-key-check", "--site", "disc", "--role", "access", "--json")
    assert result.exit_code == 1, result.stderr  # one target failed
    out = json.loads(result.stdout)
    assert [(d["name"], d["platform"]) for d in out["discovered"]] == [
        ("disc-r1", "cisco_ios"), ("disc-r2", "arista_eos"), ("disc-r3", "juniper_junos")]
    assert out["discovered"][0]["software_version"] == "15.2(7)E8"
    assert out["created"] + out["updated"] + out["unchanged"] == 3
    assert list(out["failed"]) == [f"127.0.0.1:{dead}"]
    assert "cannot connect" in out["failed"][f"127.0.0.1:{dead}"]

    for info in lab.lab.devices:
        found = client.request("GET", "/api/dcim/devices/",
                               params={"name": f"disc-{info.name}", "depth": 1})["results"][0]
        assert found["platform"]["display"] == info.platform
        assert found["primary_ip4"]["display"] == f"127.255.{info.port >> 8}.{info.port & 255}/32"
        assert found["local_config_context_data"]["nocdeck"]["port"] == info.port
        lab_ports = {i.name: i for i in lab.inventory().get(info.name).interfaces}  # type: ignore[union-attr]
        ports = {p["name"]: p for p in client.pages(
            "/api/dcim/interfaces/", {"device": f"disc-{info.name}", "depth": 1})}
        assert set(ports) == {*lab_ports, "mgmt0"}
        access = next(n for n, p in lab_ports.items() if p.mode == "access")
        assert ports[access]["untagged_vlan"]["vid"] == lab_ports[access].access_vlan

    async def job() -> object:
        store = await Store.open(nautobot_env["NOCDECK_STORE_URL"])
        try:
            return await store.get_discovery_job(int(out["job"]))
        finally:
            await store.close()

    record = asyncio.run(job())
    assert (record.discovery_type, record.status, record.devices_discovered) == (  # type: ignore[attr-defined]
        "csv_import", "completed", 3)
    assert list(record.errors) == [f"127.0.0.1:{dead}"]  # type: ignore[attr-defined]
    assert "nocdeck-lab" not in json.dumps(record.config)  # type: ignore[attr-defined]


def test_discover_into_a_local_inventory_file(lab_factory: Callable[[LabSpec], LabThread],
                                              nautobot_env: dict[str, str],
                                              tmp_path: Path) -> None:
    lab = lab_factory(LabSpec(devices=2))
    inventory = tmp_path / "inventory.yaml"
    hosts = [f"{i.host}:{i.port}" for i in lab.lab.devices]
    result = run_cli("discover", *hosts, "--to", str(inventory), "--credentials", "lab",
                     "--no-host-key-check")
    assert result.exit_code == 0, result.stderr
    assert "2 discovered, 2 created, 0 updated, 0 unchanged, 0 failed" in result.stdout
    loaded = load_inventory(inventory)
    for name in ("r1", "r2"):
        device, lab_device = loaded.get(name), lab.inventory().get(name)
        assert device is not None and lab_device is not None
        assert (device.platform, device.port, device.credentials) == (
            lab_device.platform, lab_device.port, "lab")
        assert device.interfaces == lab_device.interfaces
    again = run_cli("discover", *hosts, "--to", str(inventory), "--credentials", "lab",
                    "--no-host-key-check")
    assert "0 created, 0 updated, 2 unchanged" in again.stdout


def test_discovery_bad_input_is_exit_2(nautobot_env: dict[str, str], tmp_path: Path) -> None:
    none = run_cli("discover", "--to", str(tmp_path / "x.yaml"))
    assert none.exit_code == 2 and "HOST[:PORT] arguments or with --csv FILE" in none.stderr
    bad = run_cli("discover", "127.0.0.1:99999", "--to", str(tmp_path / "x.yaml"))
    assert bad.exit_code == 2 and "argument 1: '127.0.0.1:99999': the port must be 1-65535" \
        in bad.stderr
    csv_file = tmp_path / "t.csv"
    csv_file.write_text("address,port\n127.0.0.1,22\n", encoding="utf-8")
    no_host = run_cli("discover", "--csv", str(csv_file), "--to", str(tmp_path / "x.yaml"))
    assert no_host.exit_code == 2 and f"{csv_file}:1: the header must name a 'host'" \
        in no_host.stderr
    csv_file.write_text("host,port\n127.0.0.1,22\n,23\n", encoding="utf-8")
    empty = run_cli("discover", "--csv", str(csv_file), "--to", str(tmp_path / "x.yaml"))
    assert empty.exit_code == 2 and f"{csv_file}:3: 'host' is empty" in empty.stderr
    for result in (none, bad, no_host, empty):
        assert "Traceback" not in result.stderr


def test_discover_with_a_token_in_clear_touches_no_device(
        nautobot_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOCDECK_NAUTOBOT_TOKEN", "0123456789abcdef")
    result = run_cli("--inventory", "nautobot", "discover", "127.0.0.1:22",
                     "--credentials", "lab")
    assert result.exit_code == 2
    assert "NOCDECK_NAUTOBOT_TOKEN: nautobot_token must be a credential reference " \
        "'cred:NAME'" in result.stderr
    assert "0123456789abcdef" not in result.stderr


def test_show_version_of_an_unknown_platform_is_named() -> None:
    from nocdeck.inventory.nautobot.probe import ProbeFailed, identify

    assert identify("Cisco IOS Software, C2960X Software, Version 15.2(7)E8, RELEASE\n"
                    "cisco WS-C2960X-48TS-L (APM86XXX) processor\n")[:3] == (
        "cisco_ios", "Cisco", "15.2(7)E8")
    with pytest.raises(ProbeFailed, match=r"does not name a platform nocdeck knows .* "
                                          r"'HPE Comware Software, Version 7.1.070'"):
        identify("\nHPE Comware Software, Version 7.1.070\n")
