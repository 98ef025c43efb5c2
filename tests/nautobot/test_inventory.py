"""`--inventory nautobot` against a real Nautobot: what a NOC engineer sees of each device.

Given the test Nautobot (three switches, three devices that cannot be managed), when nocdeck
loads it, then each switch has its platform's netmiko driver, version, role, site, tenant,
tags, status, primary IP, interfaces and VLANs, in a few requests; the others are listed as
not manageable with the reason, and never stop the load.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from nocdeck.config import load_settings
from nocdeck.errors import ConfigError, CredentialError
from nocdeck.inventory.configured import inventory_from_settings
from nocdeck.inventory.nautobot import (
    NautobotClient,
    NautobotError,
    NautobotInventory,
    NautobotUnreachable,
    load_nautobot_inventory,
)
from nocdeck.inventory.nautobot.loader import fetch
from tests.nautobot.conftest import RunningNautobot, run_cli
from tests.nautobot.data import UNMANAGEABLE


def _settings(vault: dict[str, str], **extra: str) -> object:
    return load_settings(env={}, flags={"inventory": "nautobot", **vault, **extra})


def test_devices_come_with_everything_the_templates_use(token_vault: dict[str, str]) -> None:
    inventory = inventory_from_settings(_settings(token_vault))  # type: ignore[arg-type]
    assert isinstance(inventory, NautobotInventory)
    assert {"sw-hq-1", "sw-hq-2", "rt-dc-1"} <= set(inventory.names)
    sw = inventory.get("sw-hq-1")
    assert sw is not None
    assert (sw.platform, sw.manufacturer, sw.model, sw.software_version) == (
        "cisco_ios", "Cisco", "C9300-48P", "17.9.4")
    assert (sw.role, sw.site, sw.tags, sw.host, sw.port) == (
        "access", "hq", ["floor1"], "127.0.10.1", 22)
    assert sw.vars["tenant"] == "ops" and sw.vars["status"] == "Active"
    assert sw.vars["primary_ip"] == "127.0.10.1/32"
    ports = {i.name: i for i in sw.interfaces}
    assert "mgmt0" not in ports, "the management interface is not a template's business"
    assert ports["GigabitEthernet1/0/1"].mode == "access"
    assert ports["GigabitEthernet1/0/1"].access_vlan == 10
    assert ports["GigabitEthernet1/0/1"].description == "desk 12"
    assert ports["GigabitEthernet1/0/3"].mode == "trunk"
    assert ports["GigabitEthernet1/0/3"].tagged_vlans == [10, 20]
    assert ports["GigabitEthernet1/0/4"].enabled is False
    assert [(v.id, v.name) for v in sw.vlans] == [(10, "users"), (20, "voice")]
    assert [(p.prefix, p.vlan) for p in sw.prefixes] == [("10.1.10.0/24", 10)]
    assert [(v.name, v.rd) for v in sw.vrfs] == [("BLUE", "65000:1")]
    context = sw.context()
    assert context["device"]["platform"] == "cisco_ios"
    assert context["interfaces"][0]["access_vlan"] == 10
    junos = inventory.get("rt-dc-1")
    assert junos is not None and junos.platform == "juniper_junos" and junos.prefixes == []


def test_unmanageable_devices_are_listed_with_their_reason(token_vault: dict[str, str]) -> None:
    inventory = load_nautobot_inventory(_settings(token_vault))  # type: ignore[arg-type]
    for name, reason in UNMANAGEABLE.items():
        assert name not in inventory
        assert name in inventory.unmanageable[name] and reason in inventory.unmanageable[name]
    # Other tests may be half-way through creating a device (no primary IP yet) right now.
    assert f"{len(inventory.unmanageable)} not manageable" in inventory.status_line()
    assert [d.name for d in inventory.filter(site="hq", role="access")] == ["sw-hq-1",
                                                                           "sw-hq-2"]
    assert [d.name for d in inventory.filter(tag="core")] == ["rt-dc-1"]


def test_bulk_load_is_a_few_requests(client: NautobotClient) -> None:
    data = fetch(client, page=2)
    assert len(data.devices) >= 6
    # status + ceil(devices / 2) + 1 pages + the shared VLANs/prefixes query
    assert client.requests <= 1 + len(data.devices) // 2 + 1 + 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_wrong_url_names_it_and_the_local_inventory(token_vault: dict[str, str]) -> None:
    dead = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(NautobotUnreachable) as caught:
        load_nautobot_inventory(_settings(token_vault, nautobot_url=dead))  # type: ignore[arg-type]
    message = str(caught.value)
    assert dead in message and "unreachable" in message and "--inventory FILE" in message


def test_wrong_token_is_refused_and_never_shown(nautobot: RunningNautobot, tmp_path: Path) -> None:
    wrong = "0123456789abcdef0123456789abcdef01234567"
    with NautobotClient(nautobot.url, wrong, token_reference="the API token cred:nautobot"
                        ) as bad, pytest.raises(NautobotError) as caught:
        fetch(bad)
    assert "refused the API token cred:nautobot" in str(caught.value)
    assert wrong not in str(caught.value)


def test_token_in_clear_is_refused(token_vault: dict[str, str]) -> None:
    settings = _settings({**token_vault, "nautobot_token": "0123456789abcdef"})
    with pytest.raises(ConfigError, match="credential reference 'cred:NAME'"):
        load_nautobot_inventory(settings)  # type: ignore[arg-type]


def test_missing_token_credential_names_it(token_vault: dict[str, str]) -> None:
    settings = _settings({**token_vault, "nautobot_token": "cred:nobody"})
    from nocdeck.credentials import store

    store._session = None
    with pytest.raises(CredentialError, match="Nautobot API token: credential 'nobody'"):
        load_nautobot_inventory(settings)  # type: ignore[arg-type]


class _NotNautobot(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        version = self.server.answer_version  # type: ignore[attr-defined]
        if self.path == "/api/" and version:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("API-Version", version)
            self.end_headers()
            self.wfile.write(json.dumps({"dcim": "/api/dcim/"}).encode())
            return
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def other_server() -> Iterator[http.server.HTTPServer]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _NotNautobot)
    server.answer_version = ""  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def test_a_server_without_the_endpoint_is_named(other_server: http.server.HTTPServer) -> None:
    url = f"http://127.0.0.1:{other_server.server_address[1]}"
    with NautobotClient(url, "x" * 40) as client, pytest.raises(NautobotError) as caught:
        fetch(client)
    assert "has no /api/ endpoint" in str(caught.value) and url in str(caught.value)


def test_an_old_nautobot_is_refused(other_server: http.server.HTTPServer) -> None:
    other_server.answer_version = "1.3"  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{other_server.server_address[1]}"
    with NautobotClient(url, "x" * 40) as client, pytest.raises(NautobotError) as caught:
        fetch(client)
    assert "is version 1.3; nocdeck needs 2.0 or later" in str(caught.value)


def test_nautobot_status_on_the_command_line(nautobot_env: dict[str, str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    shown = run_cli("--inventory", "nautobot", "nautobot", "status")
    assert shown.exit_code == 0, shown.stderr
    first, *rest = shown.stdout.splitlines()
    assert first.startswith(f"Nautobot {nautobot_env['NOCDECK_NAUTOBOT_URL']} (v2.4): ")
    assert "not manageable: device no-platform-1: has no platform" in rest
    monkeypatch.setenv("NOCDECK_NAUTOBOT_URL", f"http://127.0.0.1:{_free_port()}")
    down = run_cli("--inventory", "nautobot", "nautobot", "status")
    assert down.exit_code == 2 and "is unreachable" in down.stderr
    assert "Traceback" not in down.stderr and down.stdout == ""
