"""Fan-out benchmark: connect + `show running-config` + a 10-line push + disconnect on every
device of ONE lab process, for each driver in the same run.

    .venv/bin/python bench/lab_fanout.py --devices 200 [--providers baseline,netmiko]
                                         [--write-docs]

Phases (`--providers`, in order):
  baseline  a plain netmiko script on a 20-thread ThreadPoolExecutor: what a Nornir user
            gets by default
  netmiko   nocdeck's netmiko provider, 20 workers
  (another driver adds itself to PHASES with its own concurrency, e.g. asyncssh at 50)

For each phase: wall time, client CPU (getrusage of this process, all threads) and lab CPU
(/proc/<lab pid>/stat) per device. Budgets: nocdeck's netmiko no slower than the baseline;
the lab at most 15 ms CPU per session.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _lab_process import LabProcess, Meter, machine_note
from netmiko import ConnectHandler

from nocdeck.config import Settings
from nocdeck.inventory import Device, load_inventory
from nocdeck.providers.registry import PROVIDERS, provider_for

LAB_BUDGET_MS = 15.0
DOCS = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
SECTION = "## lab_fanout"

Record = dict[str, Any]
"""One line of `nocdeck lab up --json`: name, platform, host, port, username, password, secret."""


def push_lines(device: Device) -> list[str]:
    """Ten config lines for the device: descriptions on five of its physical interfaces."""
    physical = [i.name for i in device.interfaces
                if not i.name.lower().startswith(("loopback", "vlan", "lo", "irb", "vlan."))]
    names = (physical or ["Loopback0"])[:5]
    while len(names) < 5:
        names.append(names[-1])
    if device.platform == "juniper_junos":
        return [f'set interfaces {n} description "fanout {k} {device.name}"'
                for k, n in enumerate(names * 2)]
    lines: list[str] = []
    for k, name in enumerate(names):
        lines += [f"interface {name}", f"description fanout {k} {device.name}"]
    return lines


# -- (a) the baseline: plain netmiko in a thread pool ----------------------------------------
def baseline_session(record: Record, lines: list[str], *, read_back: bool = False) -> None:
    """What a plain netmiko script does on one device: read the config, push `lines` (Junos:
    and commit), with `read_back` read the config again (run_fanout's baseline)."""
    junos = record["platform"] == "juniper_junos"
    show = "show configuration" if junos else "show running-config"
    conn = ConnectHandler(device_type=record["platform"], host=record["host"],
                          port=record["port"], username=record["username"],
                          password=record["password"], secret=record.get("secret") or "")
    try:
        if not junos:
            conn.enable()
        conn.send_command(show)
        if junos:
            conn.send_config_set(lines, exit_config_mode=False)
            conn.commit()
            conn.exit_config_mode()
        else:
            conn.send_config_set(lines)
        if read_back:
            conn.send_command(show)
    finally:
        conn.disconnect()


def run_baseline(devices: list[Device], records: dict[str, Record], concurrency: int
                 ) -> list[str]:
    failures: list[str] = []

    def one(device: Device) -> None:
        try:
            baseline_session(records[device.name], push_lines(device))
        except Exception as exc:  # a benchmark counts failures, it does not stop on them
            failures.append(f"{device.name}: {type(exc).__name__}: {str(exc)[:120]}")

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, devices))
    return failures


# -- (b) and later: a nocdeck provider ---------------------------------------------------------
def provider_phase(name: str) -> Callable[[list[Device], dict[str, Record], int], list[str]]:
    def run(devices: list[Device], records: dict[str, Record], concurrency: int) -> list[str]:
        settings = Settings(provider=name, concurrency=concurrency)
        return asyncio.run(_run_provider(devices, settings, concurrency))

    return run


async def _run_provider(devices: list[Device], settings: Settings, concurrency: int
                        ) -> list[str]:
    gate = asyncio.Semaphore(concurrency)
    failures: list[str] = []

    async def one(device: Device) -> None:
        async with gate:
            try:
                async with provider_for(device, settings) as provider:
                    await provider.get_running_config()
                    await provider.push_config(push_lines(device))
            except Exception as exc:
                failures.append(f"{device.name}: {type(exc).__name__}: {str(exc)[:120]}")

    await asyncio.gather(*(one(d) for d in devices))
    return failures


@dataclass(frozen=True)
class Phase:
    label: str
    concurrency: int
    run: Callable[[list[Device], dict[str, Record], int], list[str]]
    provider: str | None = None
    """The nocdeck provider measured, or None for the plain-netmiko baseline."""


PHASES: dict[str, Phase] = {
    "baseline": Phase("(a) plain netmiko, ThreadPoolExecutor", 20, run_baseline),
    "netmiko": Phase("(b) nocdeck netmiko provider", 20, provider_phase("netmiko"), "netmiko"),
    "asyncssh": Phase("(c) nocdeck asyncssh provider", 50, provider_phase("asyncssh"),
                      "asyncssh"),
}
"""Phases by name, measured in this order; a driver adds its own entry here."""


@dataclass
class Result:
    name: str
    phase: Phase
    devices: int
    wall: float
    client_cpu: float
    lab_cpu: float
    failures: list[str]

    @property
    def lab_ms_per_device(self) -> float:
        return 1000 * self.lab_cpu / self.devices

    def row(self) -> str:
        return (f"| {self.phase.label} | {self.phase.concurrency} | {self.wall:.2f} | "
                f"{self.devices / self.wall:.1f} | {1000 * self.client_cpu / self.devices:.1f} | "
                f"{self.lab_ms_per_device:.1f} | {len(self.failures)} |")


HEADER = ("| phase | concurrency | wall s | devices/s | client CPU ms/device | "
          "lab CPU ms/device | failed |\n|---|---|---|---|---|---|---|")


def verdicts(results: dict[str, Result]) -> list[str]:
    lines = []
    base, ours = results.get("baseline"), results.get("netmiko")
    if base and ours:
        ok = ours.wall <= base.wall
        lines.append(f"- (b) vs (a): {ours.wall:.2f} s vs {base.wall:.2f} s "
                     f"({base.wall / ours.wall:.2f}x) - budget 'no slower': "
                     f"{'met' if ok else 'MISSED'}")
    fast = results.get("asyncssh")
    if base and fast:
        ok = fast.wall * 2 <= base.wall
        lines.append(f"- (c) vs (a): {fast.wall:.2f} s vs {base.wall:.2f} s "
                     f"({base.wall / fast.wall:.2f}x) - budget 'at least 2x faster': "
                     f"{'met' if ok else 'MISSED'}")
    worst = max(results.values(), key=lambda r: r.lab_ms_per_device)
    lines.append(f"- lab CPU per session: at most {worst.lab_ms_per_device:.1f} ms "
                 f"(in {worst.name}) - budget {LAB_BUDGET_MS:g} ms: "
                 f"{'met' if worst.lab_ms_per_device <= LAB_BUDGET_MS else 'MISSED'}")
    return lines


def write_docs(text: str) -> None:
    """Replace (or append) the lab_fanout section of docs/performance.md."""
    current = DOCS.read_text() if DOCS.exists() else "# Performance\n"
    start = current.find(SECTION + "\n")
    if start < 0:
        current = current.rstrip("\n") + "\n\n" + text
    else:
        end = current.find("\n## ", start + len(SECTION))
        current = current[:start] + text + (current[end + 1:] if end >= 0 else "")
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(current.rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--providers", default=",".join(PHASES),
                        help=f"comma-separated phases, in order (known: {', '.join(PHASES)})")
    parser.add_argument("--write-docs", action="store_true",
                        help="write the results into docs/performance.md (## lab_fanout)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.providers.split(",") if n.strip()]
    unknown = [n for n in names if n not in PHASES
               or (PHASES[n].provider and PHASES[n].provider not in PROVIDERS)]
    if unknown or args.devices < 1:
        parser.error(f"unknown phase(s) {unknown}; known: {', '.join(PHASES)}"
                     if unknown else "--devices must be at least 1")

    results: dict[str, Result] = {}
    with tempfile.TemporaryDirectory() as tmp, \
            LabProcess(args.devices, Path(tmp) / "inventory.yaml") as lab:
        devices = list(load_inventory(lab.inventory_path))
        records = {r["name"]: r for r in lab.records}
        for name in names:
            phase = PHASES[name]
            print(f"running {name}: {phase.label}, {len(devices)} devices ...", flush=True)
            with Meter(lab.pid) as meter:
                failures = phase.run(devices, records, phase.concurrency)
            results[name] = Result(name, phase, len(devices), meter.wall, meter.client_cpu,
                                   meter.lab_cpu, failures)
            for failure in failures[:5]:
                print(f"  failed: {failure}")

    command = f".venv/bin/python bench/lab_fanout.py --devices {args.devices} " \
              f"--providers {','.join(names)}"
    body = "\n".join([
        SECTION, "",
        "Connect + `show running-config` + one 10-line config push (Junos: with `commit`) + "
        f"disconnect on each of {args.devices} devices served by one `nocdeck lab up` process; "
        "every phase in the same run, against the same lab.", "",
        f"Machine: {machine_note()}", "",
        "Load average at the end (1, 5, 15 min): "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} - the 2 cores are shared with "
        "other work, so repeated runs vary.", "",
        f"Command: `{command}`", "",
        HEADER, *(r.row() for r in results.values()), "",
        *verdicts(results), "",
    ])
    print()
    print(body)
    if args.write_docs:
        write_docs(body)
    return 1 if any(r.failures for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
