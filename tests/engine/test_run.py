"""Given the bundled catalog and lab devices, a run pushes the change, records everything, and
fails, retries, rolls back and waits for approval the way an operator expects."""

from __future__ import annotations

from pathlib import Path

import pytest

from nocdeck.catalog import Catalog, load_catalog
from nocdeck.config import Settings
from nocdeck.engine import events as ev
from nocdeck.engine.approvals import approve, reject
from nocdeck.engine.configtext import normalise
from nocdeck.engine.run import execute_approved, prepare_run, run, submit_run
from nocdeck.engine.runmodel import FailureBudget, RunOptions, RunRequest
from nocdeck.errors import BadInput
from nocdeck.lab import DeviceFaults, Lab
from nocdeck.store import Store

pytestmark = pytest.mark.timeout(60)

FAST = RunOptions(retries=2, backoff=0.1, lease_seconds=10)


def config_lines(lab: Lab, name: str) -> list[str]:
    return [entry.line for entry in lab.device(name).journal if entry.is_config]


def describe(name: str, interface: str, text: str, **options: object) -> RunRequest:
    return RunRequest("interface-description", {"device": name, "interface": interface,
                                                "description": text},
                      options=RunOptions(**{**FAST.__dict__, **options}))


async def test_run_pushes_then_a_second_run_is_no_change(
        lab: Lab, store: Store, catalog: Catalog) -> None:
    events: list[ev.EngineEvent] = []
    result = await run(describe("r1", "Gi1/0/3", "uplink to core 7"), catalog=catalog,
                       inventory=lab.inventory(), store=store, settings=Settings(),
                       sink=events.append)
    assert result.status == "completed", result
    assert "description uplink to core 7" in lab.running_config("r1")
    sent = config_lines(lab, "r1")
    assert any("uplink to core 7" in line for line in sent)

    detail = await store.get_execution(result.execution_id)
    (device,) = detail.devices
    assert device.status == "completed" and device.changed
    assert device.backup_before_id is not None and device.backup_after_id is not None
    assert len(device.pushed_lines) == 2  # interface, description
    assert "intent: push 2 lines (step" in (device.dialogue or "")
    assert any("uplink to core 7" in line for line in device.pushed_lines)
    assert [s.status for s in detail.steps] == ["completed"]
    assert any(isinstance(e, ev.RunFinished) and e.status == "completed" for e in events)

    again = await run(describe("r1", "Gi1/0/3", "uplink to core 7"), catalog=catalog,
                      inventory=lab.inventory(), store=store, settings=Settings())
    assert again.status == "completed"
    assert again.devices[0].status == "no_change"
    assert config_lines(lab, "r1") == sent  # zero config lines the second time


@pytest.mark.parametrize("name", ["r2", "r3"])
async def test_eos_and_junos_changes_land_and_junos_is_confirmed(
        lab: Lab, store: Store, catalog: Catalog, name: str) -> None:
    interface = {"r2": "Et3", "r3": "ge-0/0/3"}[name]
    result = await run(describe(name, interface, "to rack 12"), catalog=catalog,
                       inventory=lab.inventory(), store=store, settings=Settings())
    assert result.status == "completed", result
    assert "to rack 12" in lab.running_config(name)
    dialogue = (await store.get_execution(result.execution_id)).devices[0].dialogue or ""
    if name == "r3":
        assert "commit confirmed" in dialogue and "commit confirmed" in dialogue.split(
            "post-checks passed")[0]
        assert "post-checks passed: commit confirmed" in dialogue


async def test_rejected_line_rolls_back_to_the_backup(
        lab: Lab, store: Store, catalog: Catalog) -> None:
    lab.set_faults("r1", DeviceFaults(reject_pattern=r"^\s*description "))
    before = lab.running_config("r1")
    request = RunRequest("access-port-vlan", {"device": "r1", "interface": "Gi1/0/5",
                                              "vlan": 20, "description": "printer"},
                         options=FAST)
    result = await run(request, catalog=catalog, inventory=lab.inventory(), store=store,
                       settings=Settings())
    assert result.status == "failed"
    (device,) = result.devices
    assert device.status == "rolled_back"
    assert "description printer" in (device.error or "")
    assert lab.running_config("r1") == before
    detail = await store.get_execution(result.execution_id)
    backup = await store.get_backup(detail.devices[0].backup_before_id or 0)
    read_back = await store.get_backup(detail.devices[0].backup_after_id or 0)
    assert normalise("cisco_ios", read_back.config) == normalise("cisco_ios", backup.config)
    steps = {s.name: s for s in detail.steps}
    assert steps["Set the access VLAN"].status == "completed"
    assert steps["Describe the port"].status == "failed"
    assert steps["Describe the port"].attempts == 1  # a rejected line is never retried
    assert steps["Check the port is in the VLAN"].status == "cancelled"
    # each task step records the inputs it was rendered with (the interface as the device
    # names it), the second one its input_mapping evaluated
    assert steps["Set the access VLAN"].inputs == {"device": "r1", "vlan": 20,
        "interface": "GigabitEthernet1/0/5", "description": "printer"}
    assert steps["Describe the port"].inputs == {"interface": "GigabitEthernet1/0/5",
                                                 "description": "printer"}
    assert steps["Check the port is in the VLAN"].inputs is None  # not a task


async def test_slow_device_times_out_and_is_retried(
        lab: Lab, store: Store, catalog: Catalog) -> None:
    settings = Settings(connect_timeout=1, command_timeout=1)
    logs: list[ev.EngineEvent] = []
    # the plan reads the device first: it turns slow only after the plan
    prepared = await prepare_run(describe("r2", "Et3", "slow one"), catalog=catalog,
                                 inventory=lab.inventory(), store=store, settings=settings)
    lab.set_faults("r2", DeviceFaults(hang_after_login=True))
    result = await submit_run(prepared.execution_id, catalog=catalog,
                              inventory=lab.inventory(), store=store, settings=settings,
                              sink=logs.append)
    assert result.status == "failed"
    error = result.devices[0].error or ""
    assert error.startswith("r2: ") and error.endswith("; gave up after 3 attempts"), error
    retries = [e for e in logs if isinstance(e, ev.LogLine) and "retry" in e.text]
    assert len(retries) == 2
    assert "slow one" not in lab.running_config("r2")


async def test_device_list_on_a_one_device_workflow_is_refused(
        lab: Lab, store: Store, catalog: Catalog) -> None:
    for name in ("r1", "r2", "r3"):
        lab.set_faults(name, DeviceFaults(reject_pattern="banner|message"))
    request = RunRequest("login-banner", {"device": ["r1", "r2", "r3"]},
                         options=RunOptions(**{**FAST.__dict__, "concurrency": 1,
                                               "max_fail": FailureBudget(count=1)}))
    with pytest.raises(BadInput):  # login-banner takes one device: a list is refused
        await run(request, catalog=catalog, inventory=lab.inventory(), store=store,
                  settings=Settings())


async def test_approval_then_the_approvers_process_executes(
        lab: Lab, store: Store, catalog: Catalog) -> None:
    request = RunRequest("ntp-servers", {"device": "r1", "servers": ["192.0.2.10"]},
                         requested_by="alice@noc", options=FAST)
    waiting = await run(request, catalog=catalog, inventory=lab.inventory(), store=store,
                        settings=Settings(user="alice@noc"), wait=False)
    assert waiting.status == "awaiting_approval"
    assert config_lines(lab, "r1") == []
    with pytest.raises(BadInput, match="another operator"):
        await approve(store, waiting.execution_id, by="alice@noc", catalog=catalog)
    decision = await approve(store, waiting.execution_id, by="bob@noc", comment="ok, CHG42",
                             catalog=catalog)
    assert not decision.requester_waiting
    with pytest.raises(BadInput, match="not awaiting_approval"):
        await approve(store, waiting.execution_id, by="carol@noc", catalog=catalog)
    result = await execute_approved(waiting.execution_id, catalog=catalog,
                                    inventory=lab.inventory(), store=store,
                                    settings=Settings(user="bob@noc"), grace=0)
    assert result.status == "completed", result
    assert "192.0.2.10" in lab.running_config("r1")
    record = (await store.get_execution(waiting.execution_id)).execution
    assert (record.approved_by, record.approval_comment) == ("bob@noc", "ok, CHG42")


async def test_rejected_run_never_pushes(lab: Lab, store: Store, catalog: Catalog) -> None:
    request = RunRequest("ntp-servers", {"device": "r2", "servers": ["192.0.2.11"]},
                         requested_by="alice@noc", options=FAST)
    waiting = await run(request, catalog=catalog, inventory=lab.inventory(), store=store,
                        settings=Settings(user="alice@noc"), wait=False)
    with pytest.raises(BadInput, match="reason"):
        await reject(store, waiting.execution_id, by="bob@noc", reason=" ")
    await reject(store, waiting.execution_id, by="bob@noc", reason="wrong servers")
    with pytest.raises(BadInput, match="rejected by bob@noc"):
        await approve(store, waiting.execution_id, by="carol@noc")
    after = await execute_approved(waiting.execution_id, catalog=catalog,
                                   inventory=lab.inventory(), store=store, settings=Settings(),
                                   grace=0)
    assert after.status == "rejected"
    assert config_lines(lab, "r2") == []
    record = (await store.get_execution(waiting.execution_id)).execution
    assert (record.status, record.rejected_by, record.rejected_reason) == (
        "rejected", "bob@noc", "wrong servers")


async def test_locked_device_is_refused_naming_the_holder(
        lab: Lab, store: Store, catalog: Catalog) -> None:
    other = await store.create_execution(kind="run", workflow="interface-description",
                                         requested_by="alice@jump1", inputs={})
    await store.acquire_lock("r1", holder="alice@jump1", lease_seconds=60,
                             execution_id=other.id, pid=1)
    result = await run(describe("r1", "Gi1/0/3", "locked", lock="refuse"), catalog=catalog,
                       inventory=lab.inventory(), store=store, settings=Settings())
    assert result.status == "failed"
    error = result.devices[0].error or ""
    assert "alice@jump1" in error and other.id in error and "since" in error
    assert config_lines(lab, "r1") == []
    detail = await store.get_execution(result.execution_id)
    assert [s.status for s in detail.steps] == ["cancelled"]  # not left pending


WEBHOOK_WORKFLOW = """\
kind: workflow
slug: describe-and-tell
name: Describe and tell
input_schema:
  type: object
  required: [device, interface, description]
  properties:
    device: {type: string, object_type: device}
    interface: {type: string, object_type: interface}
    description: {type: string}
steps:
  - name: Set the description
    step_type: task
    task: set-interface-description
  - name: Tell the chat
    step_type: notification
    config:
      channel: webhook
      url: "URL"
      message: "{{ inputs.device }} {{ inputs.interface }} is now {{ inputs.description }}"
"""


async def test_webhook_notification_reaches_a_local_http_server(
        lab: Lab, store: Store, tmp_path: object) -> None:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from pathlib import Path

    from nocdeck.catalog.catalog import configured_layers, load_layers

    received: list[dict[str, object]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        layer = Path(str(tmp_path)) / "catalog"
        layer.mkdir()
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        (layer / "tell.yaml").write_text(WEBHOOK_WORKFLOW.replace("URL", url))
        catalog = load_layers(configured_layers(Settings(catalog=[str(layer)])))
        request = RunRequest("describe-and-tell", {"device": "r1", "interface": "Gi1/0/4",
                                                   "description": "hooked"}, options=FAST)
        result = await run(request, catalog=catalog, inventory=lab.inventory(), store=store,
                           settings=Settings())
    finally:
        server.shutdown()
    assert result.status == "completed", result
    (body,) = received
    assert body["message"] == "r1 Gi1/0/4 is now hooked"
    assert body["execution_id"] == result.execution_id and body["device"] == "r1"


PARTIAL = """\
kind: task
slug: describe-two-ports
name: Describe two ports
category: Interfaces
description: Two description lines in one push; the device refuses the second.
input_schema: {type: object, required: [label], properties: {label: {type: string}}}
---
kind: implementation
slug: describe-two-ports-ios
task: describe-two-ports
name: Describe two ports - IOS
manufacturer: Cisco
platform: cisco_ios
implementation_type: jinja2_config
template: |
  interface GigabitEthernet1/0/6
   description {{ intended.label }} taken
  interface GigabitEthernet1/0/7
   description {{ intended.label }} refused
---
kind: workflow
slug: describe-two-ports
name: Describe two ports
category: Interfaces
version: 1.0.0
rollback_on_failure: true
input_schema: {type: object, required: [label], properties: {label: {type: string}}}
steps:
  - name: Describe
    step_type: task
    task: describe-two-ports
"""


async def test_lines_taken_before_a_refused_one_are_rolled_back(
        lab: Lab, store: Store, tmp_path: Path) -> None:
    """IOS applies each line as it comes: the first description is in the running config when
    the second is refused, so the rollback must undo it (the push is not all or nothing)."""
    (tmp_path / "partial.yaml").write_text(PARTIAL)
    catalog = load_catalog(Settings(catalog=[str(tmp_path)]))
    lab.set_faults("r1", DeviceFaults(reject_pattern=r"^\s*description .* refused"))
    before = lab.running_config("r1")
    result = await run(RunRequest("describe-two-ports", {"label": "nd"}, devices=("r1",),
                                  options=FAST),
                       catalog=catalog, inventory=lab.inventory(), store=store,
                       settings=Settings())
    (device,) = result.devices
    assert device.status == "rolled_back", device.error
    assert "refused" in (device.error or "")
    assert " description nd taken" in device.pushed_lines
    assert not [line for line in device.pushed_lines if "refused" in line]
    assert "description nd taken" not in lab.running_config("r1")
    assert lab.running_config("r1") == before


@pytest.mark.parametrize("name", ["r1", "r2", "r3"])
async def test_the_bundled_login_banner_lands_then_is_no_change(
        lab: Lab, store: Store, catalog: Catalog, name: str) -> None:
    """A banner's body gets no prompt until its delimiter: the push must not wait for one."""
    request = RunRequest("login-banner", {"device": name, "banner": "Authorized use only 7"},
                         options=FAST)
    result = await run(request, catalog=catalog, inventory=lab.inventory(), store=store,
                       settings=Settings())
    assert result.status == "completed", result
    assert "Authorized use only 7" in lab.running_config(name)
    again = await run(request, catalog=catalog, inventory=lab.inventory(), store=store,
                      settings=Settings())
    assert [d.status for d in again.devices] == ["no_change"]
