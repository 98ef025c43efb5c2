"""A run's group commit (`Store.record_progress`): many devices' writes in one transaction,
each device's in the order it made them, and a write for a device the run does not target
refused on its own."""

from __future__ import annotations

from nocdeck.errors import StoreError
from nocdeck.store import NewStep, Store
from nocdeck.store.progress import DeviceProgress


async def _run(store: Store, devices: tuple[str, ...]) -> tuple[str, dict[str, int]]:
    record = await store.create_execution(kind="run", workflow="interface-description",
                                          requested_by="alice@jump1", inputs={},
                                          devices=devices, status="running")
    ids = await store.add_steps(record.id, [NewStep(1, "push", "task", name)
                                            for name in devices])
    return record.id, dict(zip(devices, ids, strict=True))


async def test_one_commit_keeps_each_devices_writes_in_the_order_they_were_made(
        store: Store) -> None:
    run, steps = await _run(store, ("r1", "r2", "r3"))
    await store.acquire_lock("r2", holder="alice@jump1", lease_seconds=60, execution_id=run)
    answers = await store.record_progress([
        DeviceProgress(run, "r1", change={"status": "running"},
                       append_dialogue="# intent: push 1 line\n",
                       steps=[(steps["r1"], {"status": "running"})],
                       backups={"backup_before_id": ("hostname r1\n", "pre-change")}),
        DeviceProgress(run, "r2", append_dialogue="< r2#\n"),
        # r1 again in the same commit: after its first item, not before
        DeviceProgress(run, "r1", change={"status": "completed", "changed": True,
                                          "pushed_lines": ["description uplink"]},
                       append_dialogue="> description uplink\n",
                       steps=[(steps["r1"], {"status": "completed", "attempts": 1})],
                       backups={"backup_after_id": ("hostname r1\n description uplink\n",
                                                    "post-change")}),
        DeviceProgress(run, "r2", change={"status": "failed", "error": "r2: timed out"},
                       release_lock="alice@jump1"),
        DeviceProgress(run, "r3", steps=[(steps["r3"], {"status": "skipped"})]),
    ])
    assert answers == [None] * 5
    detail = await store.get_execution(run)
    r1, r2, r3 = detail.devices
    assert (r1.status, r1.changed, tuple(r1.pushed_lines or ())) == (
        "completed", True, ("description uplink",))
    assert r1.dialogue == "# intent: push 1 line\n> description uplink\n"
    assert r1.backup_before_id is not None and r1.backup_after_id is not None
    assert r1.backup_before_id < r1.backup_after_id
    assert (await store.get_backup(r1.backup_after_id)).method == "post-change"
    assert (r2.status, r2.error, r2.dialogue) == ("failed", "r2: timed out", "< r2#\n")
    assert await store.get_lock("r2") is None
    assert r3.status == "pending"
    by_device = {step.device: step for step in detail.steps}
    assert by_device["r1"].status == "completed" and by_device["r1"].attempts == 1
    assert by_device["r1"].started_at is not None and by_device["r1"].finished_at is not None
    assert by_device["r3"].status == "skipped"


async def test_a_dialogue_set_and_appended_in_one_write_keeps_both(store: Store) -> None:
    run, _ = await _run(store, ("r1",))
    await store.update_device(run, "r1", append_dialogue="old\n")
    assert await store.record_progress([DeviceProgress(
        run, "r1", change={"dialogue": "replaced\n"}, append_dialogue="appended\n")]) == [None]
    (device,) = (await store.get_execution(run)).devices
    assert device.dialogue == "replaced\nappended\n"


async def test_a_write_for_a_device_the_run_does_not_target_fails_alone(store: Store) -> None:
    run, steps = await _run(store, ("r1", "r2"))
    answers = await store.record_progress([
        DeviceProgress(run, "r1", change={"status": "running"}, append_dialogue="# a\n"),
        DeviceProgress(run, "ghost", change={"status": "running"},
                       backups={"backup_before_id": ("hostname ghost\n", "pre-change")}),
        DeviceProgress(run, "phantom", steps=[(steps["r2"], {"status": "running"})]),
        DeviceProgress(run, "r2", change={"status": "running"}),
    ])
    assert answers[0] is None and answers[3] is None
    assert isinstance(answers[1], StoreError) and "has no device 'ghost'" in str(answers[1])
    assert isinstance(answers[2], StoreError) and "has no device 'phantom'" in str(answers[2])
    detail = await store.get_execution(run)
    assert [d.status for d in detail.devices] == ["running", "running"]
    assert all(step.status == "pending" for step in detail.steps), "phantom's step rolled back"
    assert await store.list_backups("ghost") == [], "ghost's backup rolled back"


async def test_a_devices_later_write_in_the_same_commit_wins(store: Store) -> None:
    run, _ = await _run(store, ("r1", "r2"))
    assert await store.record_progress([
        DeviceProgress(run, "r2", change={"status": "running"}),
        DeviceProgress(run, "r1", change={"status": "failed", "error": "r1: timed out"}),
        DeviceProgress(run, "r1", change={"status": "running"}),  # retried
    ]) == [None] * 3
    r1, r2 = (await store.get_execution(run)).devices
    assert (r1.status, r1.error, r2.status) == ("running", "r1: timed out", "running")
