"""The bundled "Nautobot first" workflow, step by step, against a real Nautobot and the lab.

Given a lab switch loaded into Nautobot, when the workflow sets an access port's VLAN, then
Nautobot has the new VLAN, the switch config is rendered from Nautobot's updated data, the
diff shows it, and the push puts it on the switch. When the switch refuses the line, the
Nautobot change is reverted (the workflow has rollback_on_failure), so both still agree.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from nocdeck.catalog import RenderMeta, load_catalog
from nocdeck.config import Settings, load_settings
from nocdeck.engine.configtext import preview
from nocdeck.engine.render import render_device
from nocdeck.errors import ChangeRejected, InputError
from nocdeck.inventory.models import Device
from nocdeck.inventory.nautobot import NautobotClient, NautobotError, load_nautobot_inventory
from nocdeck.inventory.nautobot.actions import ActionResult, apply_action, revert_action
from nocdeck.inventory.nautobot.steps import apply_nautobot_steps, render_nautobot_steps
from nocdeck.inventory.nautobot.sync import NautobotWriter
from nocdeck.inventory.nautobot.writeback import refresh_device, revert_all
from nocdeck.lab import LabSpec, LabThread
from nocdeck.lab.faults import DeviceFaults
from nocdeck.providers.registry import provider_for

WORKFLOW = "nautobot-access-port-vlan"


def _lab_switch(lab_factory: Callable[[LabSpec], LabThread], client: NautobotClient,
                name: str) -> tuple[LabThread, Device, str, int, int]:
    """A lab IOS switch put into Nautobot as `name`: one access port, its VLAN, another VLAN."""
    lab = lab_factory(LabSpec(devices=1, platforms=("cisco_ios",)))
    device = lab.inventory().get("r1")
    assert device is not None
    port = next(i for i in device.interfaces if i.mode == "access" and i.access_vlan)
    assert port.access_vlan is not None
    other = next(v.id for v in device.vlans if v.id not in (1, port.access_vlan))
    NautobotWriter(client).upsert_device(device.model_copy(update={"name": name}))
    return lab, device, port.name, port.access_vlan, other


def _settings(vault: dict[str, str]) -> Settings:
    return load_settings(env={}, flags={"inventory": "nautobot", **vault})


def _apply_nautobot_steps(settings: Settings, device: Device, inputs: dict[str, Any],
                          client: NautobotClient) -> list[ActionResult]:
    """What the runner does first for a "Nautobot first" workflow."""
    catalog = load_catalog(settings)
    workflow = catalog.workflow(WORKFLOW)
    planned = render_nautobot_steps(catalog, workflow, device, inputs, meta=RenderMeta())
    assert [(p.step.name, p.action["lookup"]) for p in planned] == [
        ("Set the access VLAN in Nautobot",
         {"device": device.name, "name": inputs["interface"]})]
    return apply_nautobot_steps(catalog, workflow, device, inputs, client, meta=RenderMeta())


async def _push(device: Device, settings: Settings, lines: list[str]) -> tuple[str, list[str]]:
    async with provider_for(device, settings) as provider:
        running = await provider.get_running_config()
        change = preview(device.platform, running, lines)
        assert change.push, "the diff must show a change"
        diff = change.diff.unified()
        await provider.push_config(change.push)
        return diff, change.push


def _nautobot_port(client: NautobotClient, device: str, port: str) -> tuple[str, int | None]:
    found = client.request("GET", "/api/dcim/interfaces/",
                           params={"device": device, "name": port, "depth": 1})["results"][0]
    vlan = found.get("untagged_vlan")
    return (found["mode"] or {}).get("value"), vlan["vid"] if vlan else None


def test_nautobot_first_then_render_diff_push(
        lab_factory: Callable[[LabSpec], LabThread], client: NautobotClient,
        token_vault: dict[str, str]) -> None:
    lab, lab_device, port, old_vlan, new_vlan = _lab_switch(lab_factory, client, "wb-ok")
    settings = _settings(token_vault)
    inventory = load_nautobot_inventory(settings)
    device = inventory.get("wb-ok")
    assert device is not None and (device.host, device.port) == (lab_device.host, lab_device.port)
    # The same template context as the lab's own inventory.
    assert {i.name: i for i in device.interfaces} == {i.name: i for i in lab_device.interfaces}
    assert {v.id for v in device.vlans} >= {v.id for v in lab_device.vlans}

    inputs = {"device": "wb-ok", "interface": port, "vlan": new_vlan}
    results = _apply_nautobot_steps(settings, device, inputs, client)
    assert [r.summary for r in results] == [
        f"interface wb-ok {port}: untagged_vlan {old_vlan} -> {new_vlan}"]
    assert _nautobot_port(client, "wb-ok", port) == ("access", new_vlan)
    assert results[0].as_record()["before"]["untagged_vlan"] != results[0].after["untagged_vlan"]

    refreshed = refresh_device(client, "wb-ok")
    catalog = load_catalog(settings)
    rendering = render_device(catalog, catalog.workflow(WORKFLOW), refreshed, inputs,
                              meta=RenderMeta())
    assert f" switchport access vlan {new_vlan}" in rendering.candidate
    diff, _pushed = asyncio.run(_push(refreshed, settings, list(rendering.candidate)))
    assert f"switchport access vlan {new_vlan}" in diff
    running = lab.running_config("r1")
    block = running.split(f"interface {port}\n", 1)[1].split("!", 1)[0]
    assert f"switchport access vlan {new_vlan}" in block


def test_a_refused_push_reverts_the_nautobot_change(
        lab_factory: Callable[[LabSpec], LabThread], client: NautobotClient,
        token_vault: dict[str, str]) -> None:
    lab, _lab_device, port, old_vlan, new_vlan = _lab_switch(lab_factory, client, "wb-fail")
    settings = _settings(token_vault)
    device = load_nautobot_inventory(settings).get("wb-fail")
    assert device is not None
    lab.set_faults("r1", DeviceFaults(reject_pattern="switchport access vlan"))
    before = lab.running_config("r1")

    inputs = {"device": "wb-fail", "interface": port, "vlan": new_vlan}
    results = _apply_nautobot_steps(settings, device, inputs, client)
    assert _nautobot_port(client, "wb-fail", port) == ("access", new_vlan)
    catalog = load_catalog(settings)
    workflow = catalog.workflow(WORKFLOW)
    refreshed = refresh_device(client, "wb-fail")
    rendering = render_device(catalog, workflow, refreshed, inputs, meta=RenderMeta())
    with pytest.raises(ChangeRejected):
        asyncio.run(_push(refreshed, settings, list(rendering.candidate)))
    assert workflow.rollback_on_failure
    assert revert_all(results, client) == []
    assert _nautobot_port(client, "wb-fail", port) == ("access", old_vlan)
    assert results[0].reverted and not results[0].revertible
    assert lab.running_config("r1") == before
    revert_action(results[0], client)  # a second revert changes nothing
    assert _nautobot_port(client, "wb-fail", port) == ("access", old_vlan)


def test_bad_actions_are_named(client: NautobotClient) -> None:
    with pytest.raises(InputError, match="method 'PUT' is not one of"):
        apply_action({"method": "PUT", "path": "/api/dcim/devices/"}, client)
    with pytest.raises(InputError, match="PATCH needs 'lookup'"):
        apply_action({"method": "PATCH", "path": "/api/dcim/devices/", "data": {}}, client)
    with pytest.raises(NautobotError, match="no object at /api/dcim/interfaces/ with "
                                            "device=sw-hq-1, name=Gi9/9/9"):
        apply_action({"method": "PATCH", "path": "/api/dcim/interfaces/",
                      "lookup": {"device": "sw-hq-1", "name": "Gi9/9/9"},
                      "data": {"description": "x"}}, client)
    with pytest.raises(NautobotError, match=r"update interface .*: PATCH .* failed \(400"):
        apply_action({"method": "PATCH", "path": "/api/dcim/interfaces/",
                      "lookup": {"device": "sw-hq-1", "name": "GigabitEthernet1/0/2"},
                      "data": {"untagged_vlan": {"vid": 3999, "location__name": "hq"}}},
                     client)
    answer = apply_action({"query": "query { devices(name: [\"sw-hq-1\"]) { name } }"}, client,
                          kind="graphql_query")
    assert answer.data == {"devices": [{"name": "sw-hq-1"}]} and not answer.revertible


def test_a_refused_nautobot_step_changes_nothing(
        lab_factory: Callable[[LabSpec], LabThread], client: NautobotClient,
        token_vault: dict[str, str]) -> None:
    _lab, _device, port, old_vlan, _new = _lab_switch(lab_factory, client, "wb-novlan")
    settings = _settings(token_vault)
    device = load_nautobot_inventory(settings).get("wb-novlan")
    assert device is not None
    catalog = load_catalog(settings)
    with pytest.raises(NautobotError, match=r"update interface wb-novlan .*untagged_vlan"):
        apply_nautobot_steps(catalog, catalog.workflow(WORKFLOW), device,
                             {"device": "wb-novlan", "interface": port, "vlan": 3999}, client,
                             meta=RenderMeta())
    assert _nautobot_port(client, "wb-novlan", port) == ("access", old_vlan)
