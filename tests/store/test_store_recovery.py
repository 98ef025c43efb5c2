"""A run whose process died: marked `interrupted` by any command that reads the store
(`nocdeck executions`, `nocdeck show`), its devices waiting for a read-back until a command
with the inventory records their outcome; a run whose lease is live is never touched."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from nocdeck.commands.records import NOT_READ_BACK
from nocdeck.store import Store
from tests.fixtures.store import PgDatabases, nocdeck, pg_admin, pg_url, run_sync


async def running(store: Store, owner: str, lease: float) -> str:
    """A run mid-push by `owner`: edge-r1 being changed, edge-r2 done, edge-r3 not started."""
    record = await store.create_execution(
        kind="run", workflow="ntp-servers", requested_by="alice@jump1", inputs={},
        devices=["edge-r1", "edge-r2", "edge-r3"], status="running", owner=owner,
        lease_seconds=lease)
    await store.update_device(record.id, "edge-r1", status="running",
                              lines_to_push=["ntp server 192.0.2.1"])
    await store.update_device(record.id, "edge-r2", status="completed", changed=True)
    return record.id


async def test_marked_devices_wait_for_a_read_back_until_their_outcome_is_written(
        store: Store) -> None:
    dead = await running(store, "alice@jump1 pid 101", 0.1)
    live = await running(store, "bob@jump2 pid 202", 60)
    assert await store.devices_to_read_back() == []
    await asyncio.sleep(0.2)

    assert await store.mark_interrupted() == [dead]  # what `nocdeck executions` does first
    waiting = await store.devices_to_read_back()
    assert [(d.execution_id, d.name, d.status, d.outcome) for d in waiting] == [
        (dead, "edge-r1", "interrupted", None)]
    assert waiting[0].lines_to_push == ("ntp server 192.0.2.1",)
    assert await store.mark_interrupted() == []
    assert len(await store.devices_to_read_back()) == 1, "still waiting: nobody read it back"

    # two processes starting at once: exactly one takes the read-back
    claims = await asyncio.gather(*(store.claim_read_back(dead, "edge-r1", by=f"p{n}")
                                    for n in range(4)))
    assert sorted(claims) == [False, False, False, True]
    assert await store.devices_to_read_back() == []
    assert await store.claim_read_back(dead, "edge-r1", by="late") is False
    await store.update_device(dead, "edge-r1", outcome="not_applied",
                              error="interrupted mid-run; read back: change not applied")
    assert await store.devices_to_read_back() == []

    alive = await store.get_execution(live)
    assert alive.execution.status == "running"
    assert {d.name: d.status for d in alive.devices}["edge-r1"] == "running"


def record_runs(url: str) -> tuple[str, str]:
    """A dead run (its lease ran out) and a live one, as another host's processes left them."""

    async def record() -> tuple[str, str]:
        async with await Store.open(url) as store:
            dead = await running(store, "alice@jump1 pid 101", 0.1)
            live = await running(store, "bob@jump2 pid 202", 60)
        await asyncio.sleep(0.2)
        return dead, live

    return run_sync(record)


def test_executions_and_show_mark_a_dead_run_and_say_it_is_not_read_back_yet(
        store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    dead, live = record_runs(store_url)
    code, out, err = nocdeck(capsys, "--store", store_url, "executions", "--json")
    assert (code, err) == (0, "")
    statuses = {item["id"]: item["status"] for item in json.loads(out)}
    assert statuses == {dead: "interrupted", live: "running"}

    code, out, err = nocdeck(capsys, "--store", store_url, "show", dead)
    assert (code, err) == (0, "")
    assert "  Status:       interrupted\n" in out
    assert "alice@jump1 pid 101 stopped renewing its lease" in out
    assert f"  edge-r1  interrupted  ({NOT_READ_BACK})\n" in out
    assert "  edge-r2  completed  (changed)\n" in out
    code, out, _ = nocdeck(capsys, "--store", store_url, "show", dead, "--json")
    devices = {d["name"]: d for d in json.loads(out)["devices"]}
    assert (devices["edge-r1"]["status"], devices["edge-r1"]["outcome"]) == ("interrupted", None)

    code, out, _ = nocdeck(capsys, "--store", store_url, "show", live)
    assert "  Status:       running\n" in out and "interrupted" not in out


@pytest.mark.postgres
def test_a_read_only_role_still_reads_and_is_told_why_a_dead_run_shows_running(
        pg_databases: PgDatabases, capsys: pytest.CaptureFixture[str]) -> None:
    database = pg_databases.create()
    dead, _ = record_runs(pg_url(database))
    role = f"nocdeck_auditor_{uuid.uuid4().hex[:8]}"
    run_sync(lambda: pg_admin(f'CREATE ROLE "{role}" LOGIN'))
    try:
        run_sync(lambda: pg_admin(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"',
                                  database=database))
        auditor = pg_url(database).replace("postgres@", f"{role}@")
        code, out, err = nocdeck(capsys, "--store", auditor, "show", dead)
        assert code == 0, err
        assert "  Status:       running\n" in out
        (note,) = err.splitlines()
        assert note.startswith("note: runs whose process stopped still show as running: "
                               "could not mark them interrupted (store at "), note
        assert "permission denied" in note
        code, out, err = nocdeck(capsys, "--store", auditor, "executions", "--json")
        assert code == 0 and len(err.splitlines()) == 1
        assert {item["status"] for item in json.loads(out)} == {"running"}
    finally:
        run_sync(lambda: pg_admin(f'DROP OWNED BY "{role}"', database=database))
        run_sync(lambda: pg_admin(f'DROP ROLE "{role}"'))
