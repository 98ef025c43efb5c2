"""Every line the bundled catalog renders is accepted by the lab's simulated OS of its platform,
and the access-port-vlan validation step reads the lab's own `show` output back."""

from __future__ import annotations

from typing import Any

import pytest

from nocdeck.catalog import Catalog, build_context, load_catalog
from nocdeck.catalog.devicecheck import check_command, evaluate_check
from nocdeck.catalog.steps import ValidationStepConfig
from nocdeck.config import load_settings
from nocdeck.inventory import Device

lab_server = pytest.importorskip("nocdeck.lab.server")

PORTS = {"cisco_ios": "Gi1/0/5", "arista_eos": "Et5", "juniper_junos": "ge-0/0/5"}


def intended(platform: str) -> dict[str, dict[str, Any]]:
    port = PORTS[platform]
    return {
        "set-access-vlan": {"interface": port, "vlan": 120},
        "set-interface-description": {"interface": port, "description": 'desk 4.12 "J. Smith"'},
        "add-vlan": {"vlan": 130, "name": "GUEST"},
        "remove-vlan": {"vlan": 130},
        "set-interface-state": {"interface": port, "enabled": False},
        "set-ntp-servers": {"servers": ["192.0.2.123", "198.51.100.123"]},
        "set-snmp-community": {"community": "labcommunity42", "access": "ro"},
        "set-snmp-location": {"location": "DC1, rack 7"},
        "set-login-banner": {"banner": "Authorized access only."},
    }


class LabCli:
    """One session on a fresh simulated device, driven line by line."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.device = lab_server.new_device(platform, "lab-1", seed=7, index=0)
        self.session = lab_server.session_class(platform)(self.device, 1, "admin")
        if platform == "juniper_junos":
            self.send("set cli screen-length 0")
        else:
            reply = self.session.handle_line("enable")
            if reply.prompt:
                self.send(self.device.enable_secret or "")
            self.send("terminal length 0")

    def send(self, line: str) -> str:
        return str(self.session.handle_line(line).output)

    def configure(self, lines: list[str]) -> list[tuple[str, str]]:
        """Push lines in config mode; return (line, complaint) for every line refused."""
        refused = []
        self.send("configure" if self.platform == "juniper_junos" else "configure terminal")
        for line in lines:
            out = self.send(line).strip()
            if out and not out.startswith("Enter TEXT message"):
                refused.append((line, out))
        if self.platform == "juniper_junos":
            out = self.send("commit").strip()
            if out != "commit complete":
                refused.append(("commit", out))
            self.send("exit")
        else:
            self.send("end")
        return refused


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(load_settings(env={}))


@pytest.mark.parametrize("platform", sorted(PORTS))
def test_lab_accepts_every_bundled_task(catalog, platform) -> None:
    lab = LabCli(platform)
    device = Device(name="lab-1", platform=platform, host="127.0.0.1",
                    vlans=[{"id": 130, "name": "GUEST"}])
    for task, values in intended(platform).items():
        lines = catalog.render(task, device, values).lines
        assert lab.configure(lines) == [], (task, lines)


@pytest.mark.parametrize("platform", sorted(PORTS))
def test_access_port_vlan_validation_against_lab_output(catalog, platform) -> None:
    lab = LabCli(platform)
    device = Device(name="lab-1", platform=platform, host="127.0.0.1")
    values = {"interface": PORTS[platform], "vlan": 120}
    assert lab.configure(catalog.render("set-access-vlan", device, values).lines) == []
    workflow = catalog.workflow("access-port-vlan")
    index = next(i for i, s in enumerate(workflow.steps) if s.step_type == "validation")
    check = workflow.steps[index].typed_config
    assert isinstance(check, ValidationStepConfig)
    where = catalog.where("workflow", "access-port-vlan", "steps", index)
    for vlan, passes in ((120, True), (121, False)):
        context = build_context(device, {**values, "vlan": vlan})
        command = check_command(catalog.cache, check, platform, context, where)
        result = evaluate_check(catalog.cache, check, platform, command,
                                lab.send(command), context, where)
        assert result.passed is passes, (platform, vlan, result)
