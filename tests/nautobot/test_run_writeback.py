"""`nocdeck run nautobot-access-port-vlan` through the runner, against a real Nautobot and the lab.

Given a lab switch loaded into Nautobot, when the workflow runs, then Nautobot's interface has
the new VLAN, the switch's running config has it, and the Execution records both. When the
switch refuses the line, the Nautobot change is reverted and the record says so. With a
local inventory, the run is refused before anything is touched.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nocdeck.catalog import load_catalog
from nocdeck.engine.run import run
from nocdeck.engine.runmodel import RunOptions, RunRequest
from nocdeck.errors import BadInput
from nocdeck.inventory.nautobot import NautobotClient, load_nautobot_inventory
from nocdeck.lab import LabSpec, LabThread
from nocdeck.lab.faults import DeviceFaults
from nocdeck.store import Store
from tests.nautobot.test_writeback import WORKFLOW, _lab_switch, _nautobot_port, _settings

FAST = RunOptions(retries=1, backoff=0.1, lease_seconds=30)


def _port_block(lab: LabThread, port: str) -> str:
    return lab.running_config("r1").split(f"interface {port}\n", 1)[1].split("!", 1)[0]


async def test_run_changes_nautobot_then_the_switch_and_records_both(
        lab_factory: Callable[[LabSpec], LabThread], client: NautobotClient,
        token_vault: dict[str, str], store: Store) -> None:
    lab, _device, port, old_vlan, new_vlan = _lab_switch(lab_factory, client, "run-ok")
    settings = _settings(token_vault)
    inventory = load_nautobot_inventory(settings)
    assert inventory.client is not None

    result = await run(RunRequest(WORKFLOW, {"device": "run-ok", "interface": port,
                                             "vlan": new_vlan}, options=FAST),
                       catalog=load_catalog(settings), inventory=inventory, store=store,
                       settings=settings)

    assert result.status == "completed", result
    assert _nautobot_port(client, "run-ok", port) == ("access", new_vlan)
    assert f"switchport access vlan {new_vlan}" in _port_block(lab, port)
    detail = await store.get_execution(result.execution_id)
    nautobot_step, switch_step = detail.steps
    assert (nautobot_step.status, switch_step.status) == ("completed", "completed")
    assert nautobot_step.outputs is not None
    assert nautobot_step.outputs["summary"] == (
        f"interface run-ok {port}: untagged_vlan {old_vlan} -> {new_vlan}")
    assert nautobot_step.outputs["reverted"] is False
    (device,) = detail.devices
    assert any(f"switchport access vlan {new_vlan}" in line for line in device.pushed_lines)
    assert "Nautobot: interface run-ok" in (device.dialogue or "")


async def test_a_refused_push_reverts_nautobot_and_the_record_says_so(
        lab_factory: Callable[[LabSpec], LabThread], client: NautobotClient,
        token_vault: dict[str, str], store: Store) -> None:
    lab, _device, port, old_vlan, new_vlan = _lab_switch(lab_factory, client, "run-fail")
    settings = _settings(token_vault)
    inventory = load_nautobot_inventory(settings)
    lab.set_faults("r1", DeviceFaults(reject_pattern="switchport access vlan"))
    before = lab.running_config("r1")

    result = await run(RunRequest(WORKFLOW, {"device": "run-fail", "interface": port,
                                             "vlan": new_vlan}, options=FAST),
                       catalog=load_catalog(settings), inventory=inventory, store=store,
                       settings=settings)

    assert result.status == "failed", result
    assert _nautobot_port(client, "run-fail", port) == ("access", old_vlan)
    assert lab.running_config("r1") == before
    detail = await store.get_execution(result.execution_id)
    nautobot_step, switch_step = detail.steps
    assert switch_step.status == "failed"
    assert nautobot_step.outputs is not None and nautobot_step.outputs["reverted"] is True
    (device,) = detail.devices
    assert device.error is not None and "Nautobot change reverted" in device.error
    assert "Nautobot reverted: interface run-fail" in (device.dialogue or "")


async def test_a_local_inventory_is_refused_before_anything_is_touched(
        lab_factory: Callable[[LabSpec], LabThread], client: NautobotClient,
        token_vault: dict[str, str], store: Store) -> None:
    lab, _lab_device, port, old_vlan, new_vlan = _lab_switch(lab_factory, client, "run-local")
    settings = _settings(token_vault)
    before = lab.running_config("r1")
    with pytest.raises(BadInput, match=rf"workflow {WORKFLOW} step 'Set the access VLAN in "
                                       r"Nautobot' .*--inventory nautobot"):
        await run(RunRequest(WORKFLOW, {"device": "r1", "interface": port, "vlan": new_vlan},
                             options=FAST),
                  catalog=load_catalog(settings), inventory=lab.inventory(), store=store,
                  settings=settings)
    assert lab.running_config("r1") == before
    assert _nautobot_port(client, "run-local", port) == ("access", old_vlan)
    assert await store.list_executions() == []
