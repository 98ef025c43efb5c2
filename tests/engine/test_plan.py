"""Given the bundled catalog and lab devices, a plan shows the change and touches nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nocdeck.catalog import Catalog, load_catalog
from nocdeck.config import Settings
from nocdeck.engine import events as ev
from nocdeck.engine.plan import PlanRequest, backup_running_config, plan
from nocdeck.errors import BadInput
from nocdeck.lab import Lab
from nocdeck.store import Store

pytestmark = pytest.mark.timeout(90)

INTERFACES = {"r1": "Gi1/0/3", "r2": "Et3", "r3": "ge-0/0/3"}
LONG_NAMES = {"r1": "GigabitEthernet1/0/3", "r2": "Ethernet3", "r3": "ge-0/0/3"}


def config_lines_received(lab: Lab, name: str) -> list[str]:
    return [entry.line for entry in lab.device(name).journal if entry.is_config]


@pytest.mark.parametrize("name", ["r1", "r2", "r3"])
async def test_plan_shows_the_description_change_and_sends_no_config(
        lab: Lab, store: Store, catalog: Catalog, name: str) -> None:
    events: list[ev.EngineEvent] = []
    request = PlanRequest("interface-description", {
        "device": name, "interface": INTERFACES[name], "description": "nocdeck plan probe 7"})
    result = await plan(request, catalog=catalog, inventory=lab.inventory(), store=store,
                        settings=Settings(), sink=events.append)

    (device,) = result.devices
    assert device.status == "planned"
    assert device.changed
    assert "nocdeck plan probe 7" in "\n".join(device.lines_to_push)
    assert LONG_NAMES[name] in "\n".join(device.lines_to_push)
    assert any(line.startswith("+") and "nocdeck plan probe 7" in line
               for line in device.diff.splitlines())
    assert config_lines_received(lab, name) == []
    assert "nocdeck plan probe 7" not in lab.running_config(name)

    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "RunStarted" and kinds[-1] == "RunFinished"
    assert any(isinstance(e, ev.DiffReady) and e.device == name for e in events)

    detail = await store.get_execution(result.execution_id)
    assert detail.execution.kind == "plan"
    assert detail.execution.status == "planned"
    assert detail.execution.catalog_revision == catalog.revision
    assert detail.devices[0].lines_to_push == device.lines_to_push
    assert detail.steps[0].implementation is not None


async def test_device_already_in_the_intended_state_is_no_change(
        lab: Lab, store: Store, catalog: Catalog) -> None:
    inventory = lab.inventory()
    r1 = inventory.get("r1")
    assert r1 is not None
    described = next(i for i in r1.interfaces if i.description)
    request = PlanRequest("interface-description", {
        "device": "r1", "interface": described.name, "description": described.description})
    result = await plan(request, catalog=catalog, inventory=inventory, store=store,
                        settings=Settings())
    (device,) = result.devices
    assert device.status == "no_change"
    assert device.lines_to_push == ()
    assert config_lines_received(lab, "r1") == []


async def test_plan_from_stored_backups_needs_no_ssh(
        lab: Lab, store: Store, catalog: Catalog) -> None:
    await store.save_backup("r1", lab.running_config("r1"), method="test")
    request = PlanRequest("interface-description", {
        "device": "r1", "interface": "Gi1/0/3", "description": "from backup"})
    await lab.stop()
    result = await plan(request, catalog=catalog, inventory=lab.inventory(), store=store,
                        settings=Settings(), running=backup_running_config(store))
    assert result.devices[0].changed


async def test_unreachable_device_is_recorded_failed_with_its_name(
        lab: Lab, store: Store, catalog: Catalog) -> None:
    inventory = lab.inventory()
    await lab.stop()
    request = PlanRequest("interface-description", {
        "device": "r2", "interface": "Et3", "description": "x"})
    result = await plan(request, catalog=catalog, inventory=inventory, store=store,
                        settings=Settings(connect_timeout=3, command_timeout=3))
    assert result.status == "failed"
    (device,) = result.devices
    assert device.status == "failed"
    assert device.error is not None and "r2" in device.error


@pytest.mark.parametrize(
    ("workflow", "inputs", "devices", "message"),
    [
        ("no-such-workflow", {}, (), "unknown workflow 'no-such-workflow'"),
        ("interface-description", {"device": "r9", "interface": "Gi1/0/3",
                                   "description": "x"}, (), "unknown device 'r9'"),
        ("interface-description", {"device": "r1", "interface": "Gi9/9/9",
                                   "description": "x"}, (), "device r1 has no interface"),
        ("interface-description", {"device": "r1", "interface": "Gi1/0/3",
                                   "description": "x" * 300}, (), "description"),
        ("interface-description", {"device": "r1", "interface": "Gi1/0/3",
                                   "description": "x", "colour": "red"}, (), "'colour'"),
        ("interface-description", {"device": "r1", "interface": "Gi1/0/3",
                                   "description": "x"}, ("r*",), "not --device"),
        # --device in place of the device input: said before the schema's missing 'device'
        ("interface-description", {"interface": "Gi1/0/3", "description": "x"}, ("r1",),
         "takes its devices from its input 'device': use --input device=NAME"),
    ],
)
async def test_bad_request_touches_nothing_and_records_nothing(
        lab: Lab, store: Store, catalog: Catalog, workflow: str, inputs: dict[str, str],
        devices: tuple[str, ...], message: str) -> None:
    before = await store.list_executions()
    with pytest.raises(BadInput) as excinfo:
        await plan(PlanRequest(workflow, inputs, devices=devices), catalog=catalog,
                   inventory=lab.inventory(), store=store, settings=Settings())
    assert message in str(excinfo.value)
    assert await store.list_executions() == before
    for name in ("r1", "r2", "r3"):
        assert lab.device(name).journal == []


async def test_a_template_error_names_the_device_and_touches_nothing(
        lab: Lab, store: Store, tmp_path: Path) -> None:
    layer = tmp_path / "catalog"
    shutil.copytree(Path(__file__).parents[1] / "fixtures" / "catalog", layer)
    broken = layer / "templates" / "juniper_junos" / "fleet-description.j2"
    broken.write_text("set system description {{ intended.lable }}\n")
    catalog = load_catalog(Settings(catalog=[str(layer)]))
    with pytest.raises(BadInput) as excinfo:
        await plan(PlanRequest("fleet-description", {"label": "x"}, devices=("r1", "r3")),
                   catalog=catalog, inventory=lab.inventory(), store=store,
                   settings=Settings())
    assert str(excinfo.value).startswith(f"device r3: {broken}:1: "), excinfo.value
    assert await store.list_executions() == []
    assert all(lab.device(name).journal == [] for name in ("r1", "r3"))
