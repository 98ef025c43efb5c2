"""Real `nocdeck` processes against one lab and one store (SQLite and PostgreSQL): approval
across processes, two runs on one device never interleave, kill -9 mid-push is recovered."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from nocdeck.inventory import dump_inventory
from nocdeck.lab import DeviceFaults, LabSpec
from nocdeck.lab.thread import LabThread
from tests.fixtures.processes import children, gone
from tests.fixtures.store import PgDatabases, pg_admin, pg_url, run_sync

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def lab() -> Iterator[LabThread]:
    with LabThread(LabSpec(devices=3)) as running:
        yield running


@pytest.fixture
def inventory(lab: LabThread, tmp_path: Path) -> Path:
    path = tmp_path / "inventory.yaml"
    path.write_text(dump_inventory(lab.inventory()), encoding="utf-8")
    return path


def nocdeck(store_url: str, inventory: Path, *args: str, user: str = "alice@noc",
            options: Sequence[str] = ()) -> list[str]:
    """The command line; `options`: global ones besides the store and inventory."""
    return [sys.executable, "-m", "nocdeck", *options, "--store", store_url, "--inventory",
            str(inventory), *args]


def run_id(stdout: str) -> str:
    """The execution ID from a run's last line (`run ex-…: status`)."""
    return stdout.strip().splitlines()[-1].split()[1].rstrip(":")


@contextlib.contextmanager
def faulted(lab: LabThread, faults: DeviceFaults, *names: str) -> Iterator[None]:
    """The devices `names` (all three when none are named) have `faults` while the block
    runs, and none afterwards."""
    names = names or ("r1", "r2", "r3")
    for name in names:
        lab.set_faults(name, faults)
    try:
        yield
    finally:
        for name in names:
            lab.set_faults(name, DeviceFaults())


def env(user: str) -> dict[str, str]:
    # A provider host serves every run here (as `auto` does on two cores or more).
    return {**os.environ, "NOCDECK_USER": user, "NOCDECK_PROVIDER_HOST": "on"}


def start(command: list[str], user: str) -> subprocess.Popen[str]:
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env(user))


def call(command: list[str], user: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          env=env(user), timeout=timeout, check=False)


def show(store_url: str, execution_id: str) -> dict[str, object]:

    async def read() -> dict[str, object]:
        from nocdeck.store import Store

        store = await Store.open(store_url)
        try:
            detail = await store.get_execution(execution_id)
        finally:
            await store.close()
        return {"status": detail.execution.status, "approved_by": detail.execution.approved_by,
                "devices": {d.name: (d.status, d.outcome, d.error) for d in detail.devices}}

    return json.loads(json.dumps(run_sync(read), default=str))


def latest_run(store_url: str) -> str:
    async def read() -> str:
        from nocdeck.store import Store

        store = await Store.open(store_url)
        try:
            for _ in range(100):
                found = await store.list_executions(kind="run", limit=1)
                if found:
                    return found[0].id
                import asyncio

                await asyncio.sleep(0.2)
        finally:
            await store.close()
        raise AssertionError("no run was recorded")

    return run_sync(read)


def config_lines(lab: LabThread, name: str) -> list[str]:
    return lab.config_lines_received(name)


def test_approval_stops_then_the_waiting_requester_runs_it(
        lab: LabThread, inventory: Path, store_url: str) -> None:
    requester = start(nocdeck(store_url, inventory, "run", "ntp-servers", "-i", "device=r1",
                              "-i", "servers=192.0.2.50", "--yes"), "alice@noc")
    try:
        execution_id = latest_run(store_url)
        for _ in range(100):
            if show(store_url, execution_id)["status"] == "awaiting_approval":
                break
            time.sleep(0.2)
        assert config_lines(lab, "r1") == []
        same = call(nocdeck(store_url, inventory, "approve", execution_id), "alice@noc")
        assert same.returncode == 2 and "another operator" in same.stderr
        approved = call(nocdeck(store_url, inventory, "approve", execution_id, "--comment",
                                "CHG-7 ok"), "bob@noc")
        assert approved.returncode == 0, approved.stderr
        out, err = requester.communicate(timeout=60)
    finally:
        requester.kill()
    assert requester.returncode == 0, err
    assert "completed" in out
    assert "192.0.2.50" in lab.running_config("r1")
    record = show(store_url, execution_id)
    assert record["status"] == "completed" and record["approved_by"] == "bob@noc"
    shown = call(nocdeck(store_url, inventory, "show", execution_id, "--json"), "bob@noc")
    (device,) = json.loads(shown.stdout)["devices"]
    assert "intent: push 1 line (step" in device["dialogue"], device["dialogue"]
    again = call(nocdeck(store_url, inventory, "approve", execution_id), "carol@noc")
    assert again.returncode == 2 and "not awaiting_approval" in again.stderr


def test_no_wait_then_reject_never_pushes(lab: LabThread, inventory: Path,
                                          store_url: str) -> None:
    asked = call(nocdeck(store_url, inventory, "run", "ntp-servers", "-i", "device=r2", "-i",
                         "servers=192.0.2.51,192.0.2.52", "--yes", "--no-wait"), "alice@noc")
    assert asked.returncode == 0, asked.stderr
    execution_id = latest_run(store_url)
    # the next step, on one line even in a pipe, ready to copy
    assert (f"awaits approval: nocdeck approve {execution_id} [--comment TEXT] | "
            f"nocdeck reject {execution_id} --reason TEXT\n") in asked.stderr
    no_reason = call(nocdeck(store_url, inventory, "reject", execution_id), "bob@noc")
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    rejected = call(nocdeck(store_url, inventory, "reject", execution_id, "--reason",
                            "wrong servers"), "bob@noc")
    assert rejected.returncode == 0, rejected.stderr
    assert show(store_url, execution_id)["status"] == "rejected"
    assert config_lines(lab, "r2") == []
    record = json.loads(call(nocdeck(store_url, inventory, "show", execution_id, "--json"),
                             "bob@noc").stdout)
    (device,) = record["devices"]  # nothing will run: not left pending
    assert device["status"] == "cancelled"
    assert device["error"] == "not started: rejected by bob@noc: wrong servers"
    assert {s["status"] for s in record["steps"]} == {"cancelled"}
    # the record shows the inputs as they were typed, ready to run again
    text = call(nocdeck(store_url, inventory, "show", execution_id), "bob@noc")
    assert "Inputs:       device=r2, servers=192.0.2.51,192.0.2.52\n" in text.stdout
    assert ("  r2  cancelled  (nothing pushed)\n"
            "    error: not started: rejected by bob@noc: wrong servers\n") in text.stdout


def test_only_a_named_approver_may_approve(lab: LabThread, inventory: Path,
                                           store_url: str) -> None:
    label = f"approvers {time.monotonic_ns()}"
    asked = call(nocdeck(store_url, inventory, "run", "approved-by-carol", "-d", "r1", "-i",
                         f"label={label}", "--yes", "--no-wait", options=FLEET_OPTIONS),
                 "alice@noc")
    assert asked.returncode == 0, asked.stderr
    execution_id = latest_run(store_url)
    bob = call(nocdeck(store_url, inventory, "approve", execution_id, options=FLEET_OPTIONS),
               "bob@noc")
    assert bob.returncode == 2 and "Traceback" not in bob.stderr
    assert ("bob@noc may not approve approved-by-carol runs (approvers: carol)"
            in bob.stderr), bob.stderr
    assert show(store_url, execution_id)["status"] == "awaiting_approval"
    assert labelled(lab, label)["r1"] == 0
    carol = call(nocdeck(store_url, inventory, "approve", execution_id, "--comment", "ok",
                         options=FLEET_OPTIONS), "carol@noc")
    assert carol.returncode == 0, carol.stderr
    record = show(store_url, execution_id)
    assert record["status"] == "completed" and record["approved_by"] == "carol@noc"
    assert label in lab.running_config("r1")


def test_retry_of_an_unknown_run_says_so_first(inventory: Path, store_url: str) -> None:
    result = call(nocdeck(store_url, inventory, "retry", "ex-nope"), "alice@noc")  # no --yes
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"error: no execution 'ex-nope' in store at {store_url}"


def test_no_terminal_and_no_yes_is_exit_2_and_records_nothing(
        inventory: Path, store_url: str, lab: LabThread) -> None:
    result = call(nocdeck(store_url, inventory, "run", "interface-description", "-i",
                          "device=r1", "-i", "interface=Gi1/0/3", "-i", "description=x"),
                  "alice@noc")
    assert result.returncode == 2 and "--yes" in result.stderr
    assert "Traceback" not in result.stderr
    assert config_lines(lab, "r1") == []


def test_two_runs_on_one_device_never_interleave(lab: LabThread, inventory: Path,
                                                 store_url: str) -> None:
    lab.set_faults("r1", DeviceFaults(latency=0.05))
    runs = [start(nocdeck(store_url, inventory, "run", "access-port-vlan", "-i", "device=r1",
                          "-i", "interface=Gi1/0/5", "-i", f"vlan={vlan}", "-i",
                          f"description=run {vlan}", "--yes"), f"user{vlan}@noc")
            for vlan in (20, 30)]
    try:
        results = [p.communicate(timeout=80) for p in runs]
    finally:
        for p in runs:
            p.kill()
    assert all(p.returncode in (0, 1) for p in runs), results
    sessions = [entry for entry in lab.journal("r1") if entry.is_config]
    owners = [getattr(entry, "session", None) for entry in sessions]
    # every config line of one session comes before any line of the next
    seen: list[object] = []
    for owner in owners:
        if not seen or seen[-1] != owner:
            assert owner not in seen, f"interleaved config sessions: {owners}"
            seen.append(owner)
    lines = [entry.line for entry in sessions]
    assert any("run 20" in line for line in lines) and any("run 30" in line for line in lines)


def test_kill_9_mid_push_is_interrupted_then_read_back_then_retried(
        lab: LabThread, inventory: Path, store_url: str) -> None:
    command = nocdeck(store_url, inventory, "run", "access-port-vlan", "-i", "device=r1",
                      "-i", "interface=Gi1/0/7", "-i", "vlan=40", "-i",
                      "description=killed mid push", "--yes", "--lease", "2")
    # every line a little slow from the start: the run cannot finish between two polls
    lab.set_faults("r1", DeviceFaults(latency=0.2))
    process = start(command, "alice@noc")
    try:
        execution_id = latest_run(store_url)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not config_lines(lab, "r1"):
            time.sleep(0.05)
        lab.set_faults("r1", DeviceFaults(latency=1.0))  # the rest of the push is slow
        while time.monotonic() < deadline and not any(
                "switchport access vlan 40" in line for line in config_lines(lab, "r1")):
            time.sleep(0.05)
        time.sleep(1.2)  # the line is applied 1 s after it arrived; the next one is slow
        hosts = children(process.pid)  # the provider host holding r1's session
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        process.kill()
    assert hosts, "the run served its devices from a provider host"
    assert all(gone(pid, 5) for pid in hosts), "a provider host outlived its killed run"
    lab.set_faults("r1", DeviceFaults())
    assert show(store_url, execution_id)["status"] == "running"  # the dead process said so
    time.sleep(2.5)  # its lease runs out
    # reading the records marks it (no inventory there, so no read-back yet) and says so
    listed = call(nocdeck(store_url, inventory, "executions"), "bob@noc")
    (row,) = [line for line in listed.stdout.splitlines() if line.startswith(execution_id)]
    assert row.split()[3] == "interrupted", listed.stdout + listed.stderr
    before = call(nocdeck(store_url, inventory, "show", execution_id), "bob@noc")
    assert "  Status:       interrupted\n" in before.stdout, before.stdout + before.stderr
    assert ("  r1  interrupted  (not read back yet: the next nocdeck command that reaches "
            "devices (plan, run, approve, retry, backup, ssh, the TUI) reads it back)\n"
            ) in before.stdout, before.stdout
    assert show(store_url, execution_id)["devices"]["r1"][1] is None  # type: ignore[index]
    shown = call(nocdeck(store_url, inventory, "retry", execution_id, "--yes", "--json"),
                 "alice@noc")
    record = show(store_url, execution_id)
    assert record["status"] == "interrupted"
    status, outcome, error = record["devices"]["r1"]  # type: ignore[index]
    assert status == "interrupted"
    assert outcome in ("applied", "partly_applied")
    assert "read back" in str(error)
    after = call(nocdeck(store_url, inventory, "show", execution_id), "bob@noc")
    words = str(outcome).replace("_", " ")
    assert f"  r1  interrupted  (changed, after interruption: {words})\n" in after.stdout, \
        after.stdout
    assert "not read back yet" not in after.stdout
    assert shown.returncode == 0, shown.stderr
    assert "killed mid push" in lab.running_config("r1")
    vlan_lines = [line for line in config_lines(lab, "r1") if "access vlan 40" in line]
    assert len(vlan_lines) == 1  # the retry never re-pushed what was in place


def test_a_settings_file_that_turns_the_provider_host_off_leaves_no_host_running(
        lab: LabThread, inventory: Path, store_url: str, tmp_path: Path) -> None:
    """The host is started before the settings file is read; `provider_host = "off"` in it
    ends that host at once, and the run works in its own process."""
    config = tmp_path / "nocdeck.toml"
    config.write_text('provider_host = "off"\n', encoding="utf-8")
    command = nocdeck(store_url, inventory, "run", "interface-description", "-i", "device=r1",
                      "-i", "interface=Gi1/0/3", "-i", "description=no provider host", "--yes",
                      options=("--config", str(config)))
    # slow enough to look while it runs
    with faulted(lab, DeviceFaults(latency=0.5), "r1"):
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, "NOCDECK_USER": "alice@noc"})
        try:
            latest_run(store_url)  # the run has started: the settings were read long ago
            hosts = [pid for pid in children(process.pid) if b"nocdeck.providers.hostmain"
                     in Path(f"/proc/{pid}/cmdline").read_bytes()]
            assert all(gone(pid, 1) for pid in hosts), "an unwanted provider host kept running"
            assert process.poll() is None  # looked while the run was still working
            out, err = process.communicate(timeout=60)
        finally:
            process.kill()
    assert process.returncode == 0, err
    assert "r1: completed, changed" in out
    assert "no provider host" in lab.running_config("r1")


# -- stopping a fan-out: Ctrl-C in the run's terminal, `nocdeck cancel` from another ----------
FLEET = Path(__file__).resolve().parents[1] / "fixtures" / "catalog"
"""A workflow with no `device` input (fleet-description): `--device 'r*'` picks its targets."""
FLEET_OPTIONS = ("--catalog", str(FLEET))


def fleet_run(store_url: str, inventory: Path, label: str) -> list[str]:
    """One device at a time, so that a stop lands while one device is being changed."""
    return nocdeck(store_url, inventory, "run", "fleet-description", "-i", f"label={label}",
                   "--device", "r*", "--yes", "--concurrency", "1", "--lease", "3",
                   options=FLEET_OPTIONS)


def labelled(lab: LabThread, label: str) -> dict[str, int]:
    """Config lines carrying `label` that each device took."""
    return {name: sum(label in line for line in config_lines(lab, name))
            for name in ("r1", "r2", "r3")}


def stop_midway(lab: LabThread, label: str, process: subprocess.Popen[str],
                stop: Callable[[], None]) -> tuple[str, str]:
    """Wait until the first device takes the change, `stop` the run, wait for its end."""
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and not any(labelled(lab, label).values()):
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    stop()
    return process.communicate(timeout=60)


def assert_started_ones_finished_and_no_other_started(
        lab: LabThread, store_url: str, out: str, label: str, *, finished: int | None
) -> dict[str, object]:
    """Devices started before the stop completed; the others are `cancelled` and took
    nothing. `finished`: how many completed, when the stop's timing makes it exact."""
    execution_id = run_id(out)
    record = show(store_url, execution_id)
    devices = record["devices"]  # name -> (status, outcome, error)
    assert isinstance(devices, dict)
    done = [name for name, (status, _, _) in devices.items() if status == "completed"]
    stopped = [name for name, (status, _, _) in devices.items() if status == "cancelled"]
    assert done and stopped and len(done) + len(stopped) == 3, devices
    if finished is not None:
        assert len(done) == finished, devices
    touched = labelled(lab, label)
    assert all(touched[name] >= 1 and label in lab.running_config(name) for name in done)
    assert all(touched[name] == 0 for name in stopped), touched
    assert record["status"] == "cancelled"
    return record


def test_ctrl_c_stops_starting_devices_and_the_running_one_finishes(
        lab: LabThread, inventory: Path, store_url: str) -> None:
    label = f"ctrl-c {time.monotonic_ns()}"
    # Its own session, as a terminal's foreground job: Ctrl-C is SIGINT to the whole group.
    with faulted(lab, DeviceFaults(latency=0.4)):
        process = subprocess.Popen(fleet_run(store_url, inventory, label),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=env("alice@noc"),
                                   start_new_session=True)
        try:
            out, err = stop_midway(lab, label, process,
                                   lambda: os.killpg(process.pid, signal.SIGINT))
        finally:
            process.kill()
    assert process.returncode == 1, err
    assert "Ctrl-C: no new device starts; running ones finish" in err
    assert "Traceback" not in err
    # SIGINT is heard at once: the one device being changed finishes, no other starts.
    assert_started_ones_finished_and_no_other_started(lab, store_url, out, label, finished=1)
    assert "2 devices not started: Ctrl-C" in out


def test_nocdeck_cancel_from_another_process_stops_starting_devices(
        lab: LabThread, inventory: Path, store_url: str) -> None:
    label = f"cancel {time.monotonic_ns()}"
    cancelled: list[subprocess.CompletedProcess[str]] = []
    with faulted(lab, DeviceFaults(latency=0.6)):
        process = start(fleet_run(store_url, inventory, label), "alice@noc")
        try:
            execution_id = latest_run(store_url)
            out, err = stop_midway(lab, label, process, lambda: cancelled.append(call(
                nocdeck(store_url, inventory, "cancel", execution_id), "bob@noc")))
        finally:
            process.kill()
    assert cancelled[0].returncode == 0, cancelled[0].stderr
    assert process.returncode == 1, err
    # The run hears a cancel at its next heartbeat (a third of --lease 3): a device may have
    # started meanwhile; it finishes, and the devices after it do not start.
    assert_started_ones_finished_and_no_other_started(lab, store_url, out, label,
                                                      finished=None)
    assert "devices not started: cancelled by bob@noc" in out
    again = call(nocdeck(store_url, inventory, "cancel", execution_id), "bob@noc")
    assert again.returncode == 2
    assert again.stderr.startswith(f"error: execution {execution_id} is cancelled: nothing to "
                                   "cancel")


def fleet_with(store_url: str, inventory: Path, label: str, *options: str) -> list[str]:
    return [*fleet_run(store_url, inventory, label), *options]


def test_the_failure_budget_is_exceeded_not_equalled_then_no_device_starts(
        lab: LabThread, inventory: Path, store_url: str) -> None:
    label = f"budget {time.monotonic_ns()}"
    with faulted(lab, DeviceFaults(reject_pattern="description"), "r1", "r2"):
        done = call(fleet_with(store_url, inventory, label, "--max-fail", "1"), "alice@noc")
    assert done.returncode == 1, done.stderr
    execution_id = run_id(done.stdout)
    devices = show(store_url, execution_id)["devices"]
    assert isinstance(devices, dict)
    # r1 failing equals the budget of 1: r2 still starts; r2 failing exceeds it: r3 does not.
    assert devices["r1"][0] == "failed" and "rejected" in devices["r1"][2]
    assert devices["r2"][0] == "failed"
    assert devices["r3"][0] == "cancelled"
    assert "failure budget exceeded: 2 of 3 devices failed (--max-fail 1)" in devices["r3"][2]
    assert labelled(lab, label)["r3"] == 0
    assert "no new device starts" in done.stderr


def test_batches_go_one_after_the_other_and_the_budget_counts_across_them(
        lab: LabThread, inventory: Path, store_url: str) -> None:
    label = f"batches {time.monotonic_ns()}"
    done = call(fleet_with(store_url, inventory, label, "--concurrency", "10", "--batch", "2"),
                "alice@noc")
    assert done.returncode == 0, done.stderr
    assert "batch 2 of 2: r3" in done.stderr
    shown = call(nocdeck(store_url, inventory, "show", run_id(done.stdout), "--json"),
                 "alice@noc")
    devices = {d["name"]: d for d in json.loads(shown.stdout)["devices"]}
    assert all(d["status"] == "completed" for d in devices.values()), devices
    # the second batch starts once the whole first batch has finished
    assert devices["r3"]["started_at"] >= max(devices["r1"]["finished_at"],
                                              devices["r2"]["finished_at"])

    label = f"batch budget {time.monotonic_ns()}"
    with faulted(lab, DeviceFaults(reject_pattern="description"), "r1", "r2"):
        done = call(fleet_with(store_url, inventory, label, "--concurrency", "10",
                               "--batch", "1", "--max-fail", "1"), "alice@noc")
    assert done.returncode == 1, done.stderr
    devices = show(store_url, run_id(done.stdout))["devices"]
    assert isinstance(devices, dict)
    # one failure per batch: the second exceeds the budget, the third batch never starts
    assert devices["r1"][0] == devices["r2"][0] == "failed"
    assert devices["r3"][0] == "cancelled"
    assert "failure budget exceeded: 2 of 3 devices failed" in devices["r3"][2]
    assert labelled(lab, label)["r3"] == 0

    # with a canary, a share is of the devices left after it: 50% of r2, r3 is one device
    label = f"canary batches {time.monotonic_ns()}"
    done = call(fleet_with(store_url, inventory, label, "--concurrency", "10", "--canary", "1",
                           "--batch", "50%"), "alice@noc")
    assert done.returncode == 0, done.stderr
    assert "batch 1 of 2: r2\n" in done.stderr and "batch 2 of 2: r3\n" in done.stderr
    assert all(count == 1 for count in labelled(lab, label).values())

    bad = call(fleet_with(store_url, inventory, label, "--batch", "0"), "alice@noc")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "--batch '0': a device count is a whole number, at least 1" in bad.stderr


def test_a_failed_canary_stops_the_other_devices(lab: LabThread, inventory: Path,
                                                 store_url: str) -> None:
    label = f"canary {time.monotonic_ns()}"
    # A budget of one failure, so that it is the canary's rule that stops the run.
    with faulted(lab, DeviceFaults(reject_pattern="description"), "r1"):
        done = call(fleet_with(store_url, inventory, label, "--canary", "1", "--max-fail", "1"),
                    "alice@noc")
    assert done.returncode == 1, done.stderr
    execution_id = run_id(done.stdout)
    devices = show(store_url, execution_id)["devices"]
    assert isinstance(devices, dict)
    assert devices["r1"][0] == "failed"
    assert devices["r2"][0] == devices["r3"][0] == "cancelled"
    assert "the canary failed on 1 of 1 device" in devices["r2"][2]
    touched = labelled(lab, label)  # r1 was sent the line it refused; the others nothing
    assert touched["r2"] == touched["r3"] == 0
    assert label not in lab.running_config("r1")


def test_a_canary_that_passes_lets_the_others_go_on(lab: LabThread, inventory: Path,
                                                    store_url: str) -> None:
    label = f"canary ok {time.monotonic_ns()}"
    done = call(fleet_with(store_url, inventory, label, "--canary", "1"), "alice@noc")
    assert done.returncode == 0, done.stderr
    assert all(count >= 1 for count in labelled(lab, label).values())
    assert "canary" in done.stderr


# -- every step kind on a device, as the record shows it ----------------------------------
def step_kinds(store_url: str, inventory: Path, label: str, wait_for: str, go_on: bool
               ) -> tuple[subprocess.CompletedProcess[str], dict[str, tuple[str, str]]]:
    """Run the step-kinds workflow on r1; its steps as (status, error) by name."""

    done = call(nocdeck(store_url, inventory, "run", "step-kinds", "--yes", "-i", "device=r1",
                        "-i", f"label={label}", "-i", f"wait_for={wait_for}",
                        "-i", f"go_on={'true' if go_on else 'false'}", options=FLEET_OPTIONS),
                "alice@noc")
    execution_id = run_id(done.stdout)
    shown = call(nocdeck(store_url, inventory, "show", execution_id, "--json"), "alice@noc")
    record = json.loads(shown.stdout)
    return done, {s["name"]: (s["status"], s["error"] or "") for s in record["steps"]}


def test_waits_a_failing_check_that_continues_a_condition_and_a_notification(
        lab: LabThread, inventory: Path, store_url: str) -> None:
    label = f"steps {time.monotonic_ns()}"
    done, steps = step_kinds(store_url, inventory, label, wait_for=label, go_on=True)
    assert done.returncode == 0, done.stderr
    # the device completed, and its line says which step failed and that it went on
    assert ("r1: completed, changed: step 'A check that fails' failed (on_failure: "
            "continue): ") in done.stdout
    assert steps["Describe the interface"][0] == "completed"
    assert steps["Settle"][0] == "completed"  # a fixed wait
    assert steps["Wait for the text"][0] == "completed"  # until the pushed text shows
    status, error = steps["A check that fails"]  # on_failure: continue
    assert status == "failed" and "'no such line anywhere' in output" in error
    assert "steps.yaml:" in error  # names where in the catalog
    assert steps["Go on?"][0] == "completed"
    assert steps["Tell the NOC"][0] == "completed"
    assert f"notification: {label} is on r1" in done.stderr


def test_a_refused_push_that_continues_and_a_check_that_skips_the_rest_are_not_hidden(
        lab: LabThread, inventory: Path, store_url: str) -> None:
    label = f"go on {time.monotonic_ns()}"
    with faulted(lab, DeviceFaults(reject_pattern="description"), "r1"):
        done = call(nocdeck(store_url, inventory, "run", "go-on-after-failures", "--yes",
                            "-i", "device=r1", "-i", f"label={label}", options=FLEET_OPTIONS),
                    "alice@noc")
    assert done.returncode == 0, done.stderr  # the workflow chose to go on: no failed run
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("  r1: ")]
    # (changed: the interface line was taken before its description was refused)
    assert line.startswith("  r1: completed, changed: step 'Describe the interface' failed "
                           "(on_failure: continue): r1: "), line
    assert "rejected" in line
    assert "; step 'A check that fails' failed (on_failure: skip_remaining): " in line
    assert label not in lab.running_config("r1")
    shown = call(nocdeck(store_url, inventory, "show", run_id(done.stdout), "--json"),
                 "alice@noc")
    record = json.loads(shown.stdout)
    steps = {s["name"]: s["status"] for s in record["steps"]}
    assert steps == {"Describe the interface": "failed", "A check that fails": "failed",
                     "Tell the NOC": "skipped"}
    (device,) = record["devices"]
    assert device["status"] == "completed"
    assert "Describe the interface" in device["error"]


def test_a_validation_parses_show_version_with_textfsm_and_asserts_on_its_fields(
        lab: LabThread, inventory: Path, store_url: str) -> None:
    def check(same: bool) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
        label = f"textfsm {same} {time.monotonic_ns()}"
        done = call(nocdeck(store_url, inventory, "run", "textfsm-check", "--yes", "-d", "r1",
                            "-d", "r3", "-i", f"label={label}", "-i", f"same={same}",
                            options=FLEET_OPTIONS), "alice@noc")
        shown = call(nocdeck(store_url, inventory, "show", run_id(done.stdout), "--json"),
                     "alice@noc")
        return done, {f"{s['device']}": (s["error"] or s["status"])
                      for s in json.loads(shown.stdout)["steps"]
                      if s["name"] == "Hostname as parsed"}

    done, checks = check(same=True)  # IOS and Junos: hostname parsed from show version
    assert done.returncode == 0, done.stdout + done.stderr
    assert checks == {"r1": "completed", "r3": "completed"}
    assert "r1 # check 'show version' passed" in done.stderr

    done, checks = check(same=False)
    assert done.returncode == 1
    for name in ("r1", "r3"):  # the failed assertion, with the fields TextFSM parsed
        assert "not true: (fields.hostname == device.name) == inputs.same" in checks[name]
        assert f"'hostname': '{name}'" in checks[name]


def test_a_false_condition_skips_the_rest_and_a_wait_that_never_passes_fails_the_device(
        lab: LabThread, inventory: Path, store_url: str) -> None:
    label = f"steps {time.monotonic_ns()}"
    done, steps = step_kinds(store_url, inventory, label, wait_for=label, go_on=False)
    assert done.returncode == 0, done.stderr
    assert steps["Go on?"][0] == "completed"
    assert steps["Tell the NOC"][0] == "skipped"

    started = time.monotonic()
    done, steps = step_kinds(store_url, inventory, f"{label} again", wait_for="never shown",
                             go_on=True)
    assert done.returncode == 1
    status, error = steps["Wait for the text"]
    assert status == "failed" and "still not true after 2 s" in error
    assert time.monotonic() - started < 30
    assert [steps[name][0] for name in ("A check that fails", "Go on?", "Tell the NOC")] \
        == ["cancelled"] * 3  # on_failure: stop (the default)


# -- the save policy, and an approved plan that no longer matches the catalog ------------------
def test_save_follows_the_workflow_policy(lab: LabThread, inventory: Path,
                                          store_url: str) -> None:
    unsaved = f"unsaved {time.monotonic_ns()}"
    done = call(nocdeck(store_url, inventory, "run", "fleet-description", "-i",
                        f"label={unsaved}", "--device", "r1", "--yes", options=FLEET_OPTIONS),
                "alice@noc")
    assert done.returncode == 0, done.stderr
    assert unsaved in lab.running_config("r1")  # save_config: false
    assert unsaved not in lab.device("r1").startup.render()

    saved = f"saved {time.monotonic_ns()}"
    done = call(nocdeck(store_url, inventory, "run", "interface-description", "-i", "device=r1",
                        "-i", "interface=Gi1/0/5", "-i", f"description={saved}", "--yes"),
                "alice@noc")
    assert done.returncode == 0, done.stderr
    assert saved in lab.device("r1").startup.render()  # save_config: true
    dialogue = json.loads(call(nocdeck(store_url, inventory, "show", run_id(done.stdout),
                                       "--json"), "alice@noc").stdout)["devices"][0]["dialogue"]
    assert dialogue.count("> write memory") == 1, dialogue  # once, after the steps

    # a change that fails is never saved: the startup config keeps what it had
    startup = lab.device("r1").startup.render()
    with faulted(lab, DeviceFaults(reject_pattern=r"^\s*description "), "r1"):
        done = call(nocdeck(store_url, inventory, "run", "access-port-vlan", "-i", "device=r1",
                            "-i", "interface=Gi1/0/6", "-i", "vlan=20", "-i",
                            f"description=never {saved}", "--yes"), "alice@noc")
    assert done.returncode == 1 and "rolled_back" in done.stdout, done.stdout + done.stderr
    dialogue = json.loads(call(nocdeck(store_url, inventory, "show", run_id(done.stdout),
                                       "--json"), "alice@noc").stdout)["devices"][0]["dialogue"]
    assert "write memory" not in dialogue and "switchport access vlan 20" in dialogue
    assert lab.device("r1").startup.render() == startup


def test_a_run_whose_catalog_changed_after_its_plan_is_refused_at_approval(
        lab: LabThread, inventory: Path, store_url: str, tmp_path: Path) -> None:
    import shutil

    catalog = tmp_path / "catalog"
    shutil.copytree(FLEET, catalog)
    label = f"approved {time.monotonic_ns()}"
    options = ("--catalog", str(catalog))
    waiting = call(nocdeck(store_url, inventory, "run", "fleet-description-approved", "-i",
                           f"label={label}", "--device", "r1", "--yes", "--no-wait",
                           options=options), "alice@noc")
    assert waiting.returncode == 0, waiting.stderr
    execution_id = run_id(waiting.stdout)
    template = catalog / "templates" / "cisco_ios" / "fleet-description.j2"
    template.write_text(template.read_text().replace("description", "description changed"))
    approved = call(nocdeck(store_url, inventory, "approve", execution_id, "--comment",
                            "looks right", options=options), "bob@noc")
    assert approved.returncode == 2, approved.stdout + approved.stderr
    assert "the approved plan is what runs" in approved.stderr
    assert "Traceback" not in approved.stderr
    assert label not in lab.running_config("r1")
    assert not any(label in line for line in config_lines(lab, "r1"))
    record = show(store_url, execution_id)  # not approved: it waits to be rejected or re-planned
    assert record["status"] == "awaiting_approval" and record["approved_by"] is None


def test_a_store_that_goes_away_mid_run_stops_it_and_the_record_shows_every_change(
        lab: LabThread, inventory: Path, pg_databases: PgDatabases) -> None:
    """The shared PostgreSQL store stops taking connections while one device is changed:
    one line naming the store, exit 2, no other device started, every change on a device
    in the record; when the store is back, the run is recovered and retried."""

    database = pg_databases.create()
    store_url = pg_url(database)
    assert call([sys.executable, "-m", "nocdeck", "--store", store_url, "db", "upgrade"],
                "alice@noc").returncode == 0
    label = f"store away {time.monotonic_ns()}"

    def cut() -> None:
        run_sync(lambda: pg_admin(
            f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false',
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"))

    with faulted(lab, DeviceFaults(latency=0.4)):
        process = start(fleet_run(store_url, inventory, label), "alice@noc")
        try:
            _, err = stop_midway(lab, label, process, cut)
        finally:
            process.kill()
            run_sync(lambda: pg_admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
    assert process.returncode == 2, err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"error: store at {store_url}: "), last
    assert "Traceback" not in err and "could not read the config back" not in err
    execution_id = latest_run(store_url)
    shown = call(nocdeck(store_url, inventory, "show", execution_id, "--json"), "alice@noc")
    devices = {d["name"]: d for d in json.loads(shown.stdout)["devices"]}
    changed = [name for name in devices if label in lab.running_config(name)]
    assert changed, "the store went away before any device was changed"
    for name in changed:  # what a device took, the record shows: its intent at least
        assert "intent: push" in devices[name]["dialogue"], devices[name]
    for name, device in devices.items():
        if device["status"] == "pending":
            assert not any(label in line for line in config_lines(lab, name))
    time.sleep(3.5)  # the dead run's lease (--lease 3) runs out
    retried = call(nocdeck(store_url, inventory, "retry", execution_id, "--yes",
                           options=FLEET_OPTIONS), "alice@noc")
    assert retried.returncode == 0, retried.stderr
    assert all(label in lab.running_config(name) for name in ("r1", "r2", "r3"))
    for name in ("r1", "r2", "r3"):  # nothing pushed twice
        assert sum(label in line for line in config_lines(lab, name)) == 1, name
