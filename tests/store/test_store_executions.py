"""Executions, devices, steps and events: written one committed change at a time, read back
in pages, newest first, filtered the way an engineer looks for a run."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace

import pytest

from nocdeck.errors import StoreError
from nocdeck.store import (
    SCHEMA_REVISION,
    DeviceChange,
    ExecutionRecord,
    ExecutionStateConflict,
    NewStep,
    Store,
)
from tests.fixtures.store import sql_rows


async def _plan(store: Store, workflow: str = "interface-description",
                devices: tuple[str, ...] = ("core-sw1", "edge-r1"), **extra: object) -> str:
    record = await store.create_execution(kind="plan", workflow=workflow,
                                          requested_by="alice@jump1", inputs={"vlan": 10},
                                          devices=devices, **extra)  # type: ignore[arg-type]
    return record.id


async def test_a_plan_is_recorded_with_its_devices_and_read_back(store: Store) -> None:
    created = await store.create_execution(
        kind="plan", workflow="interface-description", workflow_version="1.2.0",
        catalog_revision="git:3f2a9c1", requested_by="alice@jump1",
        inputs={"device": "core-sw1", "interface": "GigabitEthernet1/0/1",
                "description": "uplink"},
        devices=["core-sw1"], ticket="CHG-1042", reason="label the uplink")
    assert created.id.startswith("ex-") and created.status == "pending"
    await store.update_device(created.id, "core-sw1", status="planned", changed=True,
                              diff="-description old\n+description uplink\n",
                              lines_to_push=["interface GigabitEthernet1/0/1",
                                             " description uplink"])
    await store.add_steps(created.id, [NewStep(order=1, name="set description",
                                               step_type="task", device="core-sw1",
                                               implementation="ios-interface-description",
                                               rendered_content="description uplink")])
    await store.set_status(created.id, "planned")

    detail = await store.get_execution(created.id)
    execution = detail.execution
    assert (execution.status, execution.workflow_version, execution.catalog_revision,
            execution.ticket) == ("planned", "1.2.0", "git:3f2a9c1", "CHG-1042")
    assert execution.finished_at is not None and execution.finished_at.tzinfo is not None
    assert execution.inputs["interface"] == "GigabitEthernet1/0/1"
    (device,) = detail.devices
    assert (device.name, device.status, device.changed) == ("core-sw1", "planned", True)
    assert device.lines_to_push == ("interface GigabitEthernet1/0/1", " description uplink")
    (step,) = detail.steps
    assert (step.name, step.implementation, step.status) == (
        "set description", "ios-interface-description", "pending")
    events = await store.list_events(created.id)
    assert [(e.seq, e.type) for e in events] == [(1, "created"), (2, "status")]
    assert events[1].payload == {"from": "pending", "to": "planned"}


async def test_each_state_change_is_committed_before_the_call_returns(
        store: Store, store_url: str) -> None:
    execution_id = await _plan(store)
    for status in ("awaiting_approval", "running"):
        await store.set_status(execution_id, status)
        assert sql_rows(store_url, f"SELECT status FROM executions WHERE id = '{execution_id}'"
                        ) == [(status,)]
    await store.update_device(execution_id, "edge-r1", status="running",
                              lines_to_push=["ntp server 192.0.2.1"])
    assert sql_rows(store_url, "SELECT status, lines_to_push FROM execution_devices "
                               "WHERE device = 'edge-r1'")[0][0] == "running"
    (step_id,) = await store.add_steps(execution_id, [NewStep(1, "push", "task", "edge-r1")])
    await store.update_step(step_id, status="running")
    assert sql_rows(store_url, f"SELECT status FROM execution_steps WHERE id = {step_id}"
                    ) == [("running",)]


async def test_a_run_moves_only_from_the_status_it_is_expected_in(store: Store) -> None:
    execution_id = await _plan(store)
    await store.set_status(execution_id, "awaiting_approval")
    approved = await store.set_status(execution_id, "running", expected=["awaiting_approval"],
                                      approved_by="bob@jump2", approval_comment="go")
    assert (approved.approved_by, approved.approval_comment) == ("bob@jump2", "go")
    assert approved.approved_at is not None and approved.started_at is not None
    with pytest.raises(ExecutionStateConflict,
                       match=f"execution {execution_id} is running, not awaiting_approval"):
        await store.set_status(execution_id, "running", expected=["awaiting_approval"],
                               approved_by="carol@jump3")
    assert (await store.get_execution(execution_id)).execution.approved_by == "bob@jump2"


async def test_two_approvers_at_once_start_the_run_exactly_once(store: Store,
                                                                store_url: str) -> None:
    execution_id = await _plan(store)
    await store.set_status(execution_id, "awaiting_approval")
    other = await Store.open(store_url)
    try:
        results = await asyncio.gather(
            store.set_status(execution_id, "running", expected=["awaiting_approval"],
                             approved_by="bob@jump2"),
            other.set_status(execution_id, "running", expected=["awaiting_approval"],
                             approved_by="carol@jump3"),
            return_exceptions=True)
    finally:
        await other.close()
    conflicts = [r for r in results if isinstance(r, ExecutionStateConflict)]
    assert len(conflicts) == 1, results
    events = await store.list_events(execution_id)
    assert [e.payload["to"] for e in events if e.type == "status"] == [
        "awaiting_approval", "running"]


async def test_executions_page_newest_first_and_filter(store: Store) -> None:
    ids = []
    for index in range(7):
        workflow = "ntp-servers" if index % 2 else "interface-description"
        ids.append(await _plan(store, workflow=workflow,
                               devices=(f"edge-r{index}", "core-sw1") if index < 3
                               else (f"edge-r{index}",)))
    await store.set_status(ids[4], "failed", error="edge-r4: rejected")

    everything = await store.list_executions(limit=100)
    assert [e.id for e in everything] == list(reversed(ids))
    first, second = (await store.list_executions(limit=3),
                     await store.list_executions(limit=3, offset=3))
    assert [e.id for e in first + second] == list(reversed(ids))[:6]
    assert [e.id for e in await store.list_executions(workflow="ntp-servers")] == [
        ids[5], ids[3], ids[1]]
    assert [e.id for e in await store.list_executions(status="failed")] == [ids[4]]
    assert [e.id for e in await store.list_executions(device="core-sw1")] == [
        ids[2], ids[1], ids[0]]
    assert [e.id for e in await store.list_executions(device="edge-r[0-9]")] == []
    assert [e.id for e in await store.list_executions(device="edge-r?")] == list(
        reversed(ids))
    listed = (await store.list_executions(device="edge-r0"))[0]
    assert [(d.name, d.status, d.changed) for d in listed.devices] == [
        ("edge-r0", "pending", False), ("core-sw1", "pending", False)]


async def test_executions_filter_by_requester_and_time(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Who asked (a glob, any case) and when (since inclusive, until exclusive), paged."""
    start = dt.datetime(2026, 11, 23, 22, 0, tzinfo=dt.UTC)
    ids = []
    for hour, who in enumerate(["alice@jump1", "Alice@jump2", "bob@jump1", "alice@jump1",
                                "carol@jump3", "alice@jump1"]):
        monkeypatch.setattr("nocdeck.store.executions.utcnow",
                            lambda hour=hour: start + dt.timedelta(hours=hour))
        record = await store.create_execution(kind="plan", workflow="ntp-servers",
                                              requested_by=who, inputs={}, devices=["r1"])
        ids.append(record.id)

    def listed(records: list[ExecutionRecord]) -> list[str]:
        return [r.id for r in records]

    assert listed(await store.list_executions(requested_by="alice@jump1")) == [
        ids[5], ids[3], ids[0]]
    assert listed(await store.list_executions(requested_by="alice*")) == [
        ids[5], ids[3], ids[1], ids[0]]
    assert listed(await store.list_executions(requested_by="*@jump1", limit=2, offset=1)) == [
        ids[3], ids[2]]
    assert listed(await store.list_executions(requested_by="dave*")) == []
    midnight = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    assert listed(await store.list_executions(since=midnight)) == [ids[5], ids[4], ids[3],
                                                                   ids[2]]
    assert listed(await store.list_executions(until=midnight)) == [ids[1], ids[0]]
    assert listed(await store.list_executions(
        since=start + dt.timedelta(hours=1), until=start + dt.timedelta(hours=4),
        requested_by="alice*")) == [ids[3], ids[1]]
    # The same moment in another timezone selects the same runs.
    paris = dt.timezone(dt.timedelta(hours=1))
    assert listed(await store.list_executions(since=midnight.astimezone(paris))) == listed(
        await store.list_executions(since=midnight))
    with pytest.raises(StoreError, match=r"since=2026-11-24T00:00:00: give a timezone"):
        await store.list_executions(since=dt.datetime(2026, 11, 24))


async def test_an_id_prefix_is_resolved_and_an_unknown_id_is_named(store: Store) -> None:
    execution_id = await _plan(store)
    assert await store.resolve_execution_id(execution_id[:-2]) == execution_id
    with pytest.raises(StoreError, match=r"no execution 'ex-19990101-zz' in store at "):
        await store.resolve_execution_id("ex-19990101-zz")
    with pytest.raises(StoreError, match=r"no execution 'nope'"):
        await store.get_execution("nope")
    with pytest.raises(StoreError, match=r"has no device 'ghost'"):
        await store.update_device(execution_id, "ghost", status="failed")
    with pytest.raises(ValueError, match=r"unknown execution status 'done'"):
        await store.set_status(execution_id, "done")


async def test_dialogue_appends_and_step_times_follow_status(store: Store) -> None:
    execution_id = await _plan(store)
    await store.update_device(execution_id, "edge-r1", append_dialogue="edge-r1#conf t\n")
    await store.update_device(execution_id, "edge-r1",
                              append_dialogue="edge-r1(config)#ntp server 192.0.2.1\n")
    (step_id,) = await store.add_steps(execution_id, [NewStep(1, "push", "task", "edge-r1")])
    await store.update_step(step_id, status="running", attempts=1)
    await store.update_step(step_id, status="failed", error="timed out", attempts=2)
    detail = await store.get_execution(execution_id)
    device = next(d for d in detail.devices if d.name == "edge-r1")
    assert device.dialogue == "edge-r1#conf t\nedge-r1(config)#ntp server 192.0.2.1\n"
    (step,) = detail.steps
    assert step.started_at is not None and step.finished_at is not None
    assert step.started_at <= step.finished_at and step.attempts == 2


async def test_a_run_is_recorded_with_its_context_in_one_write(store: Store) -> None:
    context = {"plan_id": "ex-plan", "options": {"concurrency": 50, "canary": 0}}
    record = await store.create_execution(kind="run", workflow="interface-description",
                                          requested_by="alice@jump1", inputs={},
                                          devices=("edge-r1",), context=context)
    assert record.context == context
    assert (await store.get_execution(record.id)).execution.context == context


async def test_the_engines_reads_leave_out_only_diffs_and_dialogues(store: Store) -> None:
    execution_id = await _plan(store)
    await store.update_devices(execution_id, [
        DeviceChange("edge-r1", status="completed", changed=True, diff="+ntp server 192.0.2.1\n",
                     lines_to_push=["ntp server 192.0.2.1"], pushed_lines=["ntp server 192.0.2.1"],
                     outcome="applied")],
        append_dialogue={"edge-r1": "edge-r1#show run\n"})
    full = await store.get_execution(execution_id)
    lean = await store.get_execution(execution_id, texts=False)
    edge = next(d for d in full.devices if d.name == "edge-r1")
    assert (edge.diff, edge.dialogue) == ("+ntp server 192.0.2.1\n", "edge-r1#show run\n")
    assert [(d.diff, d.dialogue) for d in lean.devices] == [(None, None)] * len(full.devices)
    assert [replace(d, diff=None, dialogue=None) for d in full.devices] == list(lean.devices)
    assert (lean.execution, lean.steps) == (full.execution, full.steps)


async def test_events_are_numbered_in_order_under_concurrent_writers(store: Store) -> None:
    execution_id = await _plan(store)
    await asyncio.gather(*(store.append_event(execution_id, "log", {"line": f"line {i}"})
                           for i in range(20)))
    events = await store.list_events(execution_id)
    assert [e.seq for e in events] == list(range(1, 22))
    page = await store.list_events(execution_id, after_seq=10, limit=5)
    assert [e.seq for e in page] == [11, 12, 13, 14, 15]


async def test_a_thousand_device_results_are_recorded_in_one_transaction(store: Store) -> None:
    names = [f"access-sw{i:04d}" for i in range(1000)]
    execution_id = await _plan(store, devices=tuple(names))
    await store.update_devices(execution_id, [
        DeviceChange(name, status="planned" if i % 2 else "no_change", changed=bool(i % 2),
                     diff=f"+description port {i}\n" if i % 2 else None,
                     lines_to_push=[f"description port {i}"] if i % 2 else None)
        for i, name in enumerate(names)],
        append_dialogue={names[1]: "access-sw0001#show run\n"})
    detail = await store.get_execution(execution_id)
    assert [d.status for d in detail.devices[:3]] == ["no_change", "planned", "no_change"]
    assert detail.devices[999].diff == "+description port 999\n"
    assert detail.devices[1].dialogue == "access-sw0001#show run\n"
    with pytest.raises(StoreError, match=r"has no device 'ghost'"):
        await store.update_devices(execution_id, [DeviceChange("ghost", status="failed")])
    with pytest.raises(ValueError, match=r"unknown push outcome 'maybe'"):
        await store.update_devices(execution_id, [DeviceChange(names[0], outcome="maybe")])


async def test_two_processes_meeting_a_new_database_migrate_it_once(
        empty_store_url: str) -> None:
    stores = await asyncio.gather(Store.open(empty_store_url), Store.open(empty_store_url))
    try:
        upgrades = sorted((s.schema.before or "", s.schema.after) for s in stores)
        expected = [("", SCHEMA_REVISION), (SCHEMA_REVISION, SCHEMA_REVISION)]
        assert upgrades == expected, "exactly one of them migrated"
        assert sql_rows(empty_store_url, "SELECT version_num FROM alembic_version") == [
            (SCHEMA_REVISION,)]
    finally:
        for opened in stores:
            await opened.close()
