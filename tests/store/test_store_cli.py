"""`nocdeck executions`, `nocdeck show` and `nocdeck db upgrade` through the real CLI,
against a real store, with the JSON shapes docs/cli.md documents."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from nocdeck.store import SCHEMA_REVISION, NewStep, Store
from tests.fixtures.store import nocdeck, run_sync


def _record_two_executions(url: str) -> tuple[str, str]:
    async def record() -> tuple[str, str]:
        async with await Store.open(url) as store:
            plan = await store.create_execution(
                kind="plan", workflow="interface-description", requested_by="alice@jump1",
                inputs={"device": "core-sw1", "interface": "GigabitEthernet1/0/1",
                        "description": "uplink"}, devices=["core-sw1"])
            await store.update_device(plan.id, "core-sw1", status="planned", changed=True,
                                      diff="-description old\n+description uplink\n",
                                      lines_to_push=["interface GigabitEthernet1/0/1",
                                                     " description uplink"])
            await store.add_steps(plan.id, [NewStep(1, "set description", "task", "core-sw1",
                                                    status="completed")])
            await store.set_status(plan.id, "planned")
            run = await store.create_execution(
                kind="run", workflow="ntp-servers", requested_by="bob@jump2",
                inputs={"servers": ["192.0.2.1"]}, devices=["edge-r1", "edge-r2"])
            await store.set_status(run.id, "awaiting_approval")
            await store.set_status(run.id, "running", approved_by="carol@jump3")
            await store.update_device(run.id, "edge-r1", status="completed", changed=True)
            await store.update_device(run.id, "edge-r2", status="interrupted", changed=True,
                                      outcome="partly_applied")
            await store.set_status(run.id, "interrupted", error="owner died")
            return plan.id, run.id

    return run_sync(record)


def test_executions_json_lists_newest_first_with_devices(
        store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    plan_id, run_id = _record_two_executions(store_url)
    code, out, err = nocdeck(capsys, "--store", store_url, "executions", "--json")
    assert (code, err) == (0, "")
    listed = json.loads(out)
    assert [item["id"] for item in listed] == [run_id, plan_id]
    run, plan = listed
    assert set(run) == {"id", "kind", "workflow", "status", "requested_by", "approved_by",
                        "created_at", "finished_at", "devices"}
    assert (run["kind"], run["workflow"], run["status"], run["requested_by"],
            run["approved_by"]) == ("run", "ntp-servers", "interrupted", "bob@jump2",
                                    "carol@jump3")
    assert run["devices"] == [{"name": "edge-r1", "status": "completed", "changed": True},
                              {"name": "edge-r2", "status": "interrupted", "changed": True}]
    assert plan["created_at"].endswith("Z") and plan["finished_at"].endswith("Z")
    assert plan["approved_by"] is None

    code, out, _ = nocdeck(capsys, "--store", store_url, "executions", "--json",
                           "--workflow", "interface-description", "--status", "planned")
    assert [item["id"] for item in json.loads(out)] == [plan_id]
    code, out, _ = nocdeck(capsys, "--store", store_url, "executions", "--json",
                           "--device", "edge-r2", "--limit", "1")
    assert [item["id"] for item in json.loads(out)] == [run_id]


def test_executions_by_user_and_time(store_url: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    plan_id, run_id = _record_two_executions(store_url)

    def listed(*options: str) -> list[str]:
        code, out, err = nocdeck(capsys, "--store", store_url, "executions", "--json",
                                 *options)
        assert (code, err) == (0, "")
        return [item["id"] for item in json.loads(out)]

    assert listed("--user", "alice@jump1") == [plan_id]
    assert listed("--user", "B*") == [run_id]
    assert listed("--user", "*@jump*") == [run_id, plan_id]
    assert listed("--since", "1h") == [run_id, plan_id]
    assert listed("--until", "1h") == []
    assert listed("--since", "2000-01-01", "--until", "2000-01-01") == []
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert listed("--until", today, "--user", "alice*") == [plan_id]  # the day is included
    assert listed("--since", f"{today}T00:00Z") == [run_id, plan_id]


def test_show_json_has_the_devices_diff_steps_and_trail(
        store_url: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    plan_id, run_id = _record_two_executions(store_url)
    monkeypatch.setenv("NOCDECK_STORE_URL", store_url)
    code, out, err = nocdeck(capsys, "show", plan_id, "--json")
    assert (code, err) == (0, "")
    shown = json.loads(out)
    assert (shown["id"], shown["kind"], shown["status"]) == (plan_id, "plan", "planned")
    assert shown["inputs"]["interface"] == "GigabitEthernet1/0/1"
    (device,) = shown["devices"]
    assert device["diff"] == "-description old\n+description uplink\n"
    assert device["lines_to_push"] == ["interface GigabitEthernet1/0/1", " description uplink"]
    assert [(s["order"], s["name"], s["status"]) for s in shown["steps"]] == [
        (1, "set description", "completed")]
    assert [e["type"] for e in shown["events"]] == ["created", "status"]

    code, out, _ = nocdeck(capsys, "show", run_id)
    assert code == 0
    assert "edge-r2  interrupted  (changed, after interruption: partly applied)" in out
    assert "Approved by:  carol@jump3" in out


def test_executions_table_and_an_empty_store(
        store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = nocdeck(capsys, "--store", store_url, "executions")
    assert code == 0 and out.startswith("no executions in store at ")
    plan_id, run_id = _record_two_executions(store_url)
    code, out, _ = nocdeck(capsys, "--store", store_url, "executions")
    header, first, second = out.splitlines()
    assert header.split() == ["ID", "KIND", "WORKFLOW", "STATUS", "DEVICES", "REQUESTED", "BY",
                              "CREATED"]
    assert first.split()[:6] == [run_id, "run", "ntp-servers", "interrupted", "2", "(2"]
    assert second.startswith(plan_id)


def test_an_unknown_id_exits_2_with_one_clear_line(
        store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = nocdeck(capsys, "--store", store_url, "show", "ex-20990101-nope")
    assert (code, out) == (2, "")
    assert err.strip().splitlines() == [
        f"error: no execution 'ex-20990101-nope' in store at {store_url}"]


def test_bad_filters_are_usage_errors(store_url: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = nocdeck(capsys, "--store", store_url, "executions", "--status", "done")
    assert code == 2 and "'done' is not one of" in err
    code, _, err = nocdeck(capsys, "--store", store_url, "executions", "--limit", "0")
    assert code == 2 and "--limit" in err
    code, _, err = nocdeck(capsys, "--store", store_url, "executions", "--since", "yesterday")
    assert code == 2 and "Traceback" not in err
    assert err.strip().splitlines() == [
        "error: --since 'yesterday': use a date (2026-11-24), a UTC time (2026-11-24T10:30) "
        "or an age (30m, 2h, 3d, 1w)"]


def test_db_upgrade_migrates_a_new_store_then_says_it_is_current(
        empty_store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = nocdeck(capsys, "--store", empty_store_url, "db", "upgrade")
    assert (code, out.strip()) == (0, f"store at {empty_store_url}: schema upgraded from "
                                      f"empty to {SCHEMA_REVISION}")
    code, out, _ = nocdeck(capsys, "--store", empty_store_url, "db", "upgrade")
    assert out.strip() == (f"store at {empty_store_url}: schema is up to date "
                           f"(revision {SCHEMA_REVISION})")


def test_an_unreachable_store_exits_2_without_the_password(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = nocdeck(capsys, "--store",
                             "postgresql://noc:Hunter2CANARY@127.0.0.1:1/nocdeck", "executions")
    assert (code, out) == (2, "")
    assert err.strip() == ("error: store at postgresql+asyncpg://noc:***@127.0.0.1:1/nocdeck "
                           "is unreachable: connection refused")
