"""Rendering the bundled tasks for lab-like devices, and what the sandbox refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nocdeck.catalog import BUNDLED_DIR, Catalog, Layer, RenderMeta, build_catalog, load_catalog
from nocdeck.config import load_settings
from nocdeck.errors import RenderError


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(load_settings(env={}))


def lines(catalog: Catalog, task: str, device: Any, intended: dict[str, Any],
          **kw: Any) -> list[str]:
    return catalog.render(task, device, intended, **kw).lines


EXPECTED: dict[tuple[str, str], list[str]] = {
    ("set-access-vlan", "cisco_ios"): [
        "interface GigabitEthernet1/0/1", " switchport mode access", " switchport access vlan 120"],
    ("set-access-vlan", "arista_eos"): [
        "interface Ethernet1", " switchport mode access", " switchport access vlan 120"],
    ("set-access-vlan", "juniper_junos"): [
        "delete interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members",
        "set interfaces ge-0/0/1 unit 0 family ethernet-switching interface-mode access",
        "set interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members VOICE"],
    ("set-interface-description", "cisco_ios"): [
        "interface GigabitEthernet1/0/1", ' description uplink to "core-1" Gi0/1'],
    ("set-interface-description", "arista_eos"): [
        "interface Ethernet1", ' description uplink to "core-1" Gi0/1'],
    ("set-interface-description", "juniper_junos"): [
        'set interfaces ge-0/0/1 description "uplink to \\"core-1\\" Gi0/1"'],
    ("add-vlan", "cisco_ios"): ["vlan 130", " name GUEST_WIFI"],
    ("add-vlan", "arista_eos"): ["vlan 130", " name GUEST_WIFI"],
    ("add-vlan", "juniper_junos"): ["set vlans GUEST_WIFI vlan-id 130"],
    ("remove-vlan", "cisco_ios"): ["no vlan 120"],
    ("remove-vlan", "arista_eos"): ["no vlan 120"],
    ("remove-vlan", "juniper_junos"): ["delete vlans VOICE"],
    ("set-interface-state", "cisco_ios"): ["interface GigabitEthernet1/0/1", " shutdown"],
    ("set-interface-state", "arista_eos"): ["interface Ethernet1", " shutdown"],
    ("set-interface-state", "juniper_junos"): ["set interfaces ge-0/0/1 disable"],
    ("set-ntp-servers", "cisco_ios"): [
        "no ntp server 10.0.0.1", "ntp server 192.0.2.123", "ntp server 198.51.100.123"],
    ("set-ntp-servers", "arista_eos"): [
        "no ntp server 10.0.0.1", "ntp server 192.0.2.123", "ntp server 198.51.100.123"],
    ("set-ntp-servers", "juniper_junos"): [
        "delete system ntp server 10.0.0.1", "set system ntp server 192.0.2.123",
        "set system ntp server 198.51.100.123"],
    ("set-snmp-community", "cisco_ios"): ["snmp-server community cred:snmp-ro RO"],
    ("set-snmp-community", "arista_eos"): ["snmp-server community cred:snmp-ro ro"],
    ("set-snmp-community", "juniper_junos"): [
        "set snmp community cred:snmp-ro authorization read-only"],
    ("set-snmp-location", "cisco_ios"): ["snmp-server location DC1, B2, R14, rack 7"],
    ("set-snmp-location", "arista_eos"): ["snmp-server location DC1, B2, R14, rack 7"],
    ("set-snmp-location", "juniper_junos"): ['set snmp location "DC1, B2, R14, rack 7"'],
    ("set-login-banner", "cisco_ios"): ["banner motd ^CAuthorized access only.^C"],
    ("set-login-banner", "arista_eos"): ["banner motd", "Authorized access only.", "EOF"],
    ("set-login-banner", "juniper_junos"): [
        'set system login message "Authorized access only."'],
}

PORTS = {"cisco_ios": "Gi1/0/1", "arista_eos": "Et1", "juniper_junos": "ge-0/0/1"}


def intended_for(task: str, platform: str) -> dict[str, Any]:
    port = PORTS[platform]
    return {
        "set-access-vlan": {"interface": port, "vlan": 120},
        "set-interface-description": {"interface": port,
                                      "description": 'uplink to "core-1"\nGi0/1'},
        "add-vlan": {"vlan": 130, "name": "GUEST WIFI"},
        "remove-vlan": {"vlan": 120},
        "set-interface-state": {"interface": port, "enabled": False},
        "set-ntp-servers": {"servers": ["192.0.2.123", "198.51.100.123"]},
        "set-snmp-community": {"community": "cred:snmp-ro", "access": "ro"},
        "set-snmp-location": {"location": "DC1, B2, R14, rack 7"},
        "set-login-banner": {"banner": "Authorized access only."},
    }[task]


@pytest.mark.parametrize(("task", "platform"), sorted(EXPECTED))
def test_bundled_task_renders_what_the_platform_accepts(catalog, devices, task, platform):
    facts = {"ntp_servers": ["10.0.0.1", "192.0.2.123"]}
    got = lines(catalog, task, devices[platform], intended_for(task, platform), facts=facts)
    assert got == EXPECTED[(task, platform)]


def test_every_bundled_task_and_platform_is_covered(catalog) -> None:
    covered = {(t, p) for t, p in EXPECTED}
    shipped = {(i.task, i.platform) for i in catalog.implementations.values()
               if i.implementation_type == "jinja2_config"}
    assert shipped == covered


def test_no_shut_and_clearing_a_description(catalog, devices) -> None:
    ios = devices["cisco_ios"]
    assert lines(catalog, "set-interface-state", ios,
                 {"interface": "gi1/0/2", "enabled": True}) == [
        "interface GigabitEthernet1/0/2", " no shutdown"]
    assert lines(catalog, "set-interface-description", ios,
                 {"interface": "Gi1/0/2", "description": ""}) == [
        "interface GigabitEthernet1/0/2", " no description"]
    junos = devices["juniper_junos"]
    assert lines(catalog, "set-interface-state", junos,
                 {"interface": "ge-0/0/1", "enabled": True}) == [
        "delete interfaces ge-0/0/1 disable"]


def test_templates_are_compiled_once_per_catalog_load(catalog, devices) -> None:
    ios = devices["cisco_ios"]
    catalog.render("set-access-vlan", ios, {"interface": "Gi1/0/1", "vlan": 10})
    before = catalog.cache.compilations
    for vlan in range(2, 200):
        catalog.render("set-access-vlan", ios, {"interface": "Gi1/0/1", "vlan": vlan})
    assert catalog.cache.compilations == before


def test_meta_and_device_context_reach_the_template(write, tmp_path: Path, devices) -> None:
    write("t.yaml", """
        kind: task
        slug: stamp
        name: Stamp
        ---
        kind: implementation
        slug: stamp-any
        task: stamp
        name: Stamp
        manufacturer: Cisco
        template: |
          ! {{ meta.requested_by }} {{ meta.execution_id }} {{ meta.timestamp }}
          ! {{ device.name }} {{ device.site }} {{ interfaces | length }} {{ vlans[0].name }}
          ! {{ vrfs | length }} {{ prefixes | length }} {{ ip_addresses | length }} {{ facts.x }}
        """)
    catalog, problems = build_catalog([Layer("bundled", BUNDLED_DIR),
                                       Layer("t", tmp_path / "catalog")])
    assert problems == []
    meta = RenderMeta(requested_by="ana@jump1", timestamp="2026-01-02T03:04:05+00:00",
                      execution_id="ex-42")
    out = catalog.render("stamp", devices["cisco_ios"], {}, facts={"x": "f"}, meta=meta).lines
    assert out == ["! ana@jump1 ex-42 2026-01-02T03:04:05+00:00", "! ios-1 dc1 2 USERS",
                   "! 0 0 0 f"]


def _render_inline(write, tmp_path: Path, device: Any, template: str) -> str:
    write("t.yaml", "kind: task\nslug: t\nname: T\n---\nkind: implementation\nslug: t-any\n"
          "task: t\nname: T\nmanufacturer: Cisco\ntemplate: |\n"
          + "".join(f"  {line}\n" for line in template.splitlines()))
    catalog, problems = build_catalog([Layer("t", tmp_path / "catalog")])
    assert problems == []
    return "\n".join(catalog.render("t", device, {"vlan": 10}).lines)


@pytest.mark.parametrize("escape", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ intended.__class__ }}",
    "{{ device.items.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{% set x = intended.update({'vlan': 1}) %}{{ x }}",
])
def test_sandbox_escapes_are_refused(write, tmp_path: Path, devices, escape: str) -> None:
    path = tmp_path / "catalog" / "t.yaml"
    with pytest.raises(RenderError) as caught:
        _render_inline(write, tmp_path, devices["cisco_ios"], "line one\n" + escape)
    assert str(caught.value).startswith(f"{path}:12: ")
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("escape", [
    "{% set x = intended.pop('vlan') %}{{ x }}",
    "{{ intended.get.__self__ }}",
])
def test_sandbox_still_refuses_after_allowing_the_same_object(write, tmp_path: Path, devices,
                                                              escape: str) -> None:
    """The sandbox keeps its answer per kind of object and attribute name: a dict's `get`,
    read fifty times, makes neither its `pop` nor a dunder behind it safe."""
    path = tmp_path / "catalog" / "t.yaml"
    with pytest.raises(RenderError) as caught:
        _render_inline(write, tmp_path, devices["cisco_ios"],
                       "{% for _ in range(50) %}{{ intended.get('vlan') }}{% endfor %}\n"
                       + escape)
    assert str(caught.value).startswith(f"{path}:12: ")


def test_undefined_variable_names_the_template_file_and_line(catalog, devices) -> None:
    with pytest.raises(RenderError) as caught:
        catalog.render("set-access-vlan", devices["cisco_ios"], {"interface": "Gi1/0/1"})
    template = BUNDLED_DIR / "templates" / "cisco_ios" / "set-access-vlan.j2"
    assert str(caught.value) == f"{template}:4: 'dict object' has no attribute 'vlan'"


def test_undefined_in_an_inline_template_names_the_yaml_line(write, tmp_path, devices) -> None:
    path = tmp_path / "catalog" / "t.yaml"
    with pytest.raises(RenderError) as caught:
        _render_inline(write, tmp_path, devices["cisco_ios"],
                       "vlan {{ intended.vlan }}\n name {{ intended.vlan_name }}")
    assert str(caught.value) == f"{path}:12: 'dict object' has no attribute 'vlan_name'"
