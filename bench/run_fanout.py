"""`nocdeck run` pushing a 10-line change to N lab devices, against plain netmiko in 20 threads
doing the same device work, in the same run; and what the audit store's writes cost.

    .venv/bin/python bench/run_fanout.py --devices 200 [--rounds 1] [--postgres] [--in-process]
                                         [--concurrency 50] [--write-docs]

Each phase gets a fresh `nocdeck lab up --devices N` process (same seed, so the same
devices and configs) and is timed from start to exit:
  baseline   plain netmiko, ThreadPoolExecutor(20): connect, enable, `show running-config`
             (the backup), push the rendered 10 lines (Junos: + `commit`), read back, close
  sqlite     the real `nocdeck run bench-fanout --device 'r*' --yes` in a subprocess,
             asyncssh provider, SQLite store: live plan, confirm, per device lock, backup,
             push (Junos: commit confirmed, then confirm), read back, every record written
             (its SSH sessions in the provider host process: provider_host=auto, two cores)
  inprocess  (--in-process) the same with the SSH sessions in nocdeck's own process
             (provider_host=off), as before the provider host existed
  postgres   (--postgres) the same on PostgreSQL 127.0.0.1:5432, in a database of its own,
             dropped afterwards
The nocdeck phases start where a user's run starts: the store's schema exists (created by
`nocdeck db upgrade`, untimed), the catalog passed `nocdeck catalog validate` (untimed) and
the inventory `lab up` wrote is already parsed (both remembered by nocdeck.parsecache; --cold
checks and parses them in the run instead), and the environment names the user (USER), as a
login shell does.
The nocdeck child runs with every Store coroutine method timed (a wrapper around each):
total time per method, and the share of the wall time during which a store call was in
flight. Afterwards the store is checked: the run completed, every device completed with a
backup before and after. The workflow is bench/catalog/fanout-descriptions.yaml.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

DOCS = HERE.parent / "docs" / "performance.md"
SECTION = "## run_fanout"
CATALOG = HERE / "catalog"
WORKFLOW = "bench-fanout"
LABEL = "fanout bench"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


# -- the child: the real `nocdeck` entry point, with Store calls timed --------------------------
def child(out: str, argv: list[str]) -> int:
    """Run `nocdeck ARGV` in this process with every Store coroutine timed; write the timings."""
    import functools
    import inspect

    from nocdeck.store import Store

    calls: dict[str, list[float]] = {}
    spans: list[tuple[float, float]] = []

    def timed(name: str, method: Any) -> Any:
        @functools.wraps(method)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                end = time.perf_counter()
                calls.setdefault(name, []).append(end - start)
                spans.append((start, end))
        return wrapper

    for name in dir(Store):
        method = getattr(Store, name)
        if not name.startswith("_") and name not in ("open", "close") \
                and inspect.iscoroutinefunction(method):
            setattr(Store, name, timed(name, method))

    from nocdeck.cli import main

    stalls = _watch_event_loop()
    started = time.perf_counter()
    code = 0
    try:
        main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
    finally:
        wall = time.perf_counter() - started
        mine = resource.getrusage(resource.RUSAGE_SELF)
        host = resource.getrusage(resource.RUSAGE_CHILDREN)  # the provider host, if any
        Path(out).write_text(json.dumps({
            "wall": wall, "busy": _union(spans),
            "cpu": mine.ru_utime + mine.ru_stime, "host_cpu": host.ru_utime + host.ru_stime,
            "calls": {k: [len(v), sum(v)] for k, v in calls.items()},
            "stalls": stalls}))
    return code


STALL = 0.010
"""An event-loop callback this long (s) is a stall: no SSH traffic is served meanwhile."""


def _watch_event_loop() -> dict[str, list[float]]:
    """Time every event-loop callback of the child; the ones of `STALL` or more, summed by
    the coroutine (or function) they ran: {name: [count, seconds]}."""
    import asyncio.events

    stalls: dict[str, list[float]] = {}
    run = asyncio.events.Handle._run

    def timed(handle: asyncio.events.Handle) -> None:
        start = time.perf_counter()
        run(handle)
        spent = time.perf_counter() - start
        if spent >= STALL:
            callback = getattr(handle, "_callback", None)
            task = getattr(callback, "__self__", None)
            coro = task.get_coro() if isinstance(task, asyncio.Task) else None
            name = getattr(coro, "__qualname__", None) or getattr(
                callback, "__qualname__", repr(callback))
            entry = stalls.setdefault(str(name), [0, 0.0])
            entry[0] += 1
            entry[1] += spent

    asyncio.events.Handle._run = timed  # type: ignore[method-assign]
    return stalls


def _union(spans: list[tuple[float, float]]) -> float:
    """Seconds during which at least one span was open."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(spans):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


# -- the baseline: plain netmiko in a thread pool ---------------------------------------------
def rendered_lines(inventory_path: Path) -> dict[str, list[str]]:
    """The lines the workflow renders for each device (what a plain script would push)."""
    from nocdeck.catalog import RenderMeta, load_catalog
    from nocdeck.config import Settings
    from nocdeck.engine.render import render_device
    from nocdeck.inventory import load_inventory

    catalog = load_catalog(Settings(catalog=[str(CATALOG)]))
    workflow = catalog.workflow(WORKFLOW)
    inputs = {"label": LABEL}
    return {device.name: list(render_device(catalog, workflow, device, inputs,
                                            meta=RenderMeta()).candidate)
            for device in load_inventory(inventory_path)}


def run_baseline(records: list[dict[str, Any]], lines: dict[str, list[str]]) -> list[str]:
    """The lab_fanout baseline's script (plain netmiko, 20 threads), reading back as well."""
    from lab_fanout import baseline_session

    failures: list[str] = []

    def one(record: dict[str, Any]) -> None:
        try:
            baseline_session(record, lines[record["name"]], read_back=True)
        except Exception as exc:  # a benchmark counts failures, it does not stop on them
            failures.append(f"{record['name']}: {type(exc).__name__}: {str(exc)[:120]}")

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(one, records))
    return failures


# -- nocdeck run, and what its store says afterwards --------------------------------------------
PROFILE: str | None = None
"""--profile FILE: the nocdeck child runs under cProfile, its stats written to FILE."""
COLD = False
"""--cold: no parsed copy of the inventory and no record of the catalog's last check
(nocdeck.parsecache off), as for the first command after the files were edited by hand."""


def nocdeck_command(store_url: str, inventory: Path, concurrency: int, timings: Path
                    ) -> list[str]:
    profiler = ["-m", "cProfile", "-o", PROFILE] if PROFILE else []
    return [sys.executable, *profiler, str(Path(__file__).resolve()), "--child", str(timings),
            "--",
            "--store", store_url, "--catalog", str(CATALOG), "--inventory", str(inventory),
            "run", WORKFLOW, "--input", f"label={LABEL}", "--device", "r*", "--yes",
            "--concurrency", str(concurrency)]


async def check_store(store_url: str, execution_id: str, devices: int) -> list[str]:
    """What is wrong with the record of the run (empty: every record is there)."""
    from nocdeck.store import Store

    store = await Store.open(store_url, migrate=False)
    try:
        detail = await store.get_execution(execution_id)
    finally:
        await store.close()
    problems = []
    if detail.execution.status != "completed":
        problems.append(f"run status {detail.execution.status}")
    done = [d for d in detail.devices if d.status == "completed"]
    if len(done) != devices:
        problems.append(f"{len(done)} of {devices} devices completed")
    no_backup = [d.name for d in detail.devices
                 if not (d.backup_before_id and d.backup_after_id)]
    if no_backup:
        problems.append(f"{len(no_backup)} devices without both backups")
    steps = [s for s in detail.steps if s.status != "completed"]
    if steps:
        problems.append(f"{len(steps)} steps not completed")
    return problems


@dataclass
class Result:
    phase: str
    wall: float
    client_cpu: float
    lab_cpu: float
    failures: list[str]
    store: dict[str, Any] = field(default_factory=dict)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_phase(phase: str, devices: int, concurrency: int, tmp: Path, pg_url: str) -> Result:
    from _lab_process import LabProcess, Meter

    inventory = tmp / f"{phase}-inventory.yaml"
    env = dict(os.environ, NOCDECK_USER="bench", HOME=str(tmp), NO_COLOR="1",
               NOCDECK_PROVIDER_HOST="off" if phase == "inprocess" else "auto")
    # A login shell names its user; this sandbox's environment does not, and asyncssh then
    # looks the local user up in the password database at every connection.
    env.setdefault("USER", "bench")
    env.setdefault("LOGNAME", env["USER"])
    if COLD:
        env["NOCDECK_PARSE_CACHE"] = "off"
    with LabProcess(devices, inventory, env=env) as lab:
        if phase == "baseline":
            lines = rendered_lines(inventory)
            with Meter(lab.pid) as meter:
                failures = run_baseline(lab.records, lines)
            return Result(phase, meter.wall, meter.client_cpu, meter.lab_cpu, failures)
        store_url = pg_url if phase == "postgres" else f"sqlite+aiosqlite:///{tmp}/run.db"
        timings = tmp / f"{phase}-store.json"
        command = nocdeck_command(store_url, inventory, concurrency, timings)
        # The store exists, as after a user's first nocdeck command: the run does not
        # create its schema (`nocdeck db upgrade` does, untimed).
        subprocess.run([sys.executable, "-m", "nocdeck", "--store", store_url, "db",
                        "upgrade"], capture_output=True, env=env, timeout=120, check=True)
        # The catalog was checked before, as by the `nocdeck plan` or `catalog validate` a
        # user runs first (--cold: checked by the run itself).
        if not COLD:
            subprocess.run([sys.executable, "-m", "nocdeck", "--catalog", str(CATALOG),
                            "catalog", "validate"], capture_output=True, env=env,
                           timeout=120, check=True)
        cpu0 = children_cpu()
        with Meter(lab.pid) as meter:
            done = subprocess.run(command, capture_output=True, text=True, env=env,
                                  timeout=900, check=False)
        client = children_cpu() - cpu0  # the nocdeck process (this one only waits)
    failures = [] if done.returncode == 0 else [f"exit {done.returncode}: "
                                                 f"{done.stderr.strip()[-500:]}"]
    found = re.findall(r"^run (\S+): (\w+)$", done.stdout, re.MULTILINE)
    if not found:
        failures.append("no run ID in the output")
    else:
        failures += asyncio.run(check_store(store_url, found[-1][0], devices))
    store = json.loads(timings.read_text()) if timings.exists() else {}
    return Result(phase, meter.wall, client, meter.lab_cpu, failures, store)


def compile_nocdeck() -> None:
    """Byte-compile nocdeck's modules, as `pip install` does for an installed package: in an
    editable checkout with PYTHONDONTWRITEBYTECODE set (this machine's default) every run
    would otherwise compile ~80 modules from source (~0.1 s) before doing anything."""
    import compileall

    import nocdeck

    compileall.compile_dir(Path(nocdeck.__file__).parent, quiet=1)


# -- PostgreSQL: a database of its own ---------------------------------------------------------
async def pg_database(name: str, *, drop: bool) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


# -- report ------------------------------------------------------------------------------------
LABELS = {"baseline": "(a) plain netmiko, 20 threads",
          "sqlite": "nocdeck run, asyncssh, SQLite",
          "postgres": "nocdeck run, asyncssh, PostgreSQL",
          "inprocess": "nocdeck run, asyncssh, SQLite, provider_host=off"}


def table(results: list[Result], devices: int) -> list[str]:
    rows = ["| round | phase | wall s | client CPU ms/device | lab CPU ms/device | "
            "store calls | store busy s (% of wall) | failed |",
            "|---|---|---|---|---|---|---|---|"]
    for index, r in enumerate(results):
        calls = sum(n for n, _ in r.store.get("calls", {}).values())
        busy = r.store.get("busy")
        rows.append(
            f"| {index // len(set(x.phase for x in results)) + 1} | {LABELS[r.phase]} | "
            f"{r.wall:.2f} | {1000 * r.client_cpu / devices:.1f}{_split(r, devices)} | "
            f"{1000 * r.lab_cpu / devices:.1f} | {calls or '-'} | "
            + (f"{busy:.2f} ({100 * busy / r.wall:.0f}%)" if busy is not None else "-")
            + f" | {len(r.failures)} |")
    return rows


def _split(result: Result, devices: int) -> str:
    """' (nocdeck N + host M)': the client CPU of the nocdeck process and its provider host."""
    if not result.store.get("host_cpu") or result.phase == "inprocess":
        return ""  # (its children are only git: no host)
    return (f" ({1000 * result.store['cpu'] / devices:.1f} + "
            f"host {1000 * result.store['host_cpu'] / devices:.1f})")


def store_breakdown(result: Result) -> list[str]:
    calls = sorted(result.store.get("calls", {}).items(), key=lambda kv: -kv[1][1])
    rows = [f"Store calls in the {LABELS[result.phase]} run (time summed over concurrent calls):",
            "", "| method | calls | total s |", "|---|---|---|"]
    rows += [f"| {name} | {n} | {total:.2f} |" for name, (n, total) in calls[:10]]
    stalls = sorted(result.store.get("stalls", {}).items(), key=lambda kv: -kv[1][1])
    if stalls:
        count = sum(int(n) for n, _ in dict(stalls).values())
        spent = sum(total for _, total in dict(stalls).values())
        rows += ["", f"Event-loop stalls (one callback >= {1000 * STALL:.0f} ms): {count}, "
                     f"{spent:.2f} s in all; by coroutine:", "",
                 "| coroutine | stalls | total s |", "|---|---|---|"]
        rows += [f"| {name} | {int(n)} | {total:.2f} |" for name, (n, total) in stalls[:8]]
    return rows


def verdicts(results: list[Result]) -> list[str]:
    lines = []
    for phase in ("sqlite", "postgres", "inprocess"):
        pairs = [(b.wall, r.wall) for b, r in _pairs(results, phase)]
        if not pairs:
            continue
        for base, ours in pairs:
            ok = ours * 2 <= base
            lines.append(f"- {LABELS[phase]} vs (a): {ours:.2f} s vs {base:.2f} s "
                         f"({base / ours:.2f}x) - budget 'at least 2x faster': "
                         f"{'met' if ok else 'MISSED'}")
    return lines


def _pairs(results: list[Result], phase: str) -> list[tuple[Result, Result]]:
    pairs, base = [], None
    for r in results:
        if r.phase == "baseline":
            base = r
        elif r.phase == phase and base is not None:
            pairs.append((base, r))
    return pairs


def write_docs(text: str) -> None:
    current = DOCS.read_text()
    start = current.find(SECTION + "\n")
    if start < 0:
        current = current.rstrip("\n") + "\n\n" + text
    else:
        end = current.find("\n## ", start + len(SECTION))
        current = current[:start] + text + (current[end + 1:] if end >= 0 else "")
    DOCS.write_text(current.rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child(argv[1], argv[3:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--postgres", action="store_true",
                        help="also run nocdeck on PostgreSQL (127.0.0.1:5432)")
    parser.add_argument("--in-process", action="store_true",
                        help="also run with the SSH sessions in nocdeck's own process "
                             "(provider_host=off), for comparison")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--profile", metavar="FILE",
                        help="run the nocdeck child under cProfile (stats to FILE; slower)")
    parser.add_argument("--cold", action="store_true",
                        help="nocdeck parses the inventory's YAML (no parsed copy from the lab)")
    parser.add_argument("--skip-baseline", action="store_true",
                        help="only the nocdeck phases (to profile; no verdict)")
    args = parser.parse_args(argv)
    global PROFILE, COLD
    PROFILE, COLD = args.profile, args.cold
    if args.devices < 1 or args.rounds < 1 or args.concurrency < 1:
        parser.error("--devices, --rounds and --concurrency must be at least 1")
    from _lab_process import machine_note, speed_ms

    compile_nocdeck()
    phases = ([] if args.skip_baseline else ["baseline"]) + ["sqlite"] \
        + (["postgres"] if args.postgres else []) + (["inprocess"] if args.in_process else [])
    pg_name = f"nocdeck_bench_{os.getpid()}"
    pg_url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{pg_name}"
    results: list[Result] = []
    loads: list[float] = []
    speeds: list[float] = []
    for round_no in range(args.rounds):
        for phase in phases:
            with tempfile.TemporaryDirectory() as tmp:
                if phase == "postgres":
                    asyncio.run(pg_database(pg_name, drop=False))
                try:
                    print(f"round {round_no + 1}: {LABELS[phase]}, {args.devices} devices ...",
                          flush=True)
                    result = run_phase(phase, args.devices, args.concurrency, Path(tmp), pg_url)
                finally:
                    if phase == "postgres":
                        asyncio.run(pg_database(pg_name, drop=True))
            results.append(result)
            loads.append(os.getloadavg()[0])
            speeds.append(speed_ms())
            print(f"  {result.wall:.2f} s" + "".join(f"\n  failed: {f}"
                                                     for f in result.failures[:5]), flush=True)

    command = (f".venv/bin/python bench/run_fanout.py --devices {args.devices} --concurrency "
               f"{args.concurrency} --rounds {args.rounds}"
               + (" --postgres" if args.postgres else "") + (" --cold" if args.cold else "")
               + (" --in-process" if args.in_process else ""))
    last = {r.phase: r for r in results}
    body = "\n".join([
        SECTION, "",
        f"`nocdeck run {WORKFLOW}` (bench/catalog/fanout-descriptions.yaml: ten lines per "
        f"device, no approval, no save) on {args.devices} lab devices with `--device 'r*' "
        f"--yes --concurrency {args.concurrency}`, the real command in a subprocess, against "
        "plain netmiko in 20 threads doing the same device work (backup read, push, read "
        "back); each phase on a fresh `nocdeck lab up` process, every phase in the same run. "
        + ("The inventory's YAML is parsed and the catalog checked by the run (--cold)."
           if args.cold else "The run reads the parsed copy of the inventory that `lab up` "
           "left beside it, and the catalog was checked before (`catalog validate`, untimed; "
           "both remembered by nocdeck.parsecache), as after any earlier nocdeck command.")
        + " The store's schema is created before the timed run (`nocdeck db upgrade`).",
        "", f"Machine: {machine_note()}, nproc {os.cpu_count()}", "",
        "Load average (1 min) after each phase: "
        + ", ".join(f"{x:.1f}" for x in loads) + "; calibration loop (ms, lower is faster) "
        "after each phase: " + ", ".join(f"{x:.0f}" for x in speeds) + ".",
        "", f"Command: `{command}`", "",
        *table(results, args.devices), "",
        *verdicts(results), "",
        *(store_breakdown(last["sqlite"]) if last.get("sqlite") else []), "",
    ])
    print()
    print(body)
    if args.write_docs:
        write_docs(body)
    return 1 if any(r.failures for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
