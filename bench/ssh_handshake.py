"""Where the asyncssh provider's time goes: the SSH handshake's own CPU cost, per side, and
each step of one provider session, measured one device at a time (no contention).

    .venv/bin/python bench/ssh_handshake.py [--rounds 60] [--write-docs]

Steps, each repeated `--rounds` times against the devices of one `nocdeck lab up` process:
  kex         TCP + SSH key exchange only (asyncssh.get_server_host_key): the floor
  kex+auth    + password authentication, then close
  +shell      + a PTY shell and the first prompt
  session     the asyncssh provider's whole bench session (connect, enable, paging off,
              show running-config, 10-line push, close), timed step by step

For each: wall ms, client CPU ms and lab CPU ms per round. The lab's CPU is read from
/proc/<pid>/stat, the client's from getrusage, so each side's cost is apart.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asyncssh
from _lab_process import LabProcess, Meter, machine_note
from lab_fanout import push_lines

from nocdeck.config import Settings
from nocdeck.inventory import Device, load_inventory
from nocdeck.providers.asyncssh_shell import CIPHERS
from nocdeck.providers.registry import provider_for

DOCS = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
SECTION = "## ssh_handshake"
Record = dict[str, Any]


async def kex(record: Record) -> None:
    await asyncssh.get_server_host_key(record["host"], record["port"], config=None)


async def kex_auth(record: Record) -> None:
    conn = await asyncssh.connect(record["host"], record["port"], username=record["username"],
                                  password=record["password"], known_hosts=None, config=None,
                                  client_keys=None, agent_path=None, gss_host=None,
                                  preferred_auth="keyboard-interactive,password",
                                  encryption_algs=list(CIPHERS))
    conn.close()
    await conn.wait_closed()


async def kex_auth_shell(record: Record) -> None:
    conn = await asyncssh.connect(record["host"], record["port"], username=record["username"],
                                  password=record["password"], known_hosts=None, config=None,
                                  client_keys=None, agent_path=None, gss_host=None,
                                  preferred_auth="keyboard-interactive,password",
                                  encryption_algs=list(CIPHERS))
    _, stdout, _ = await conn.open_session(term_type="vt100", term_size=(511, 1000))
    seen = ""
    while not seen.rstrip().endswith((">", "#")):
        chunk = await stdout.read(65536)
        if not chunk:
            break
        seen += chunk
    conn.close()
    await conn.wait_closed()


STEPS: dict[str, float] = defaultdict(float)


async def provider_session(device: Device, settings: Settings) -> None:
    """The bench session of lab_fanout (c), with each step's wall time added to STEPS."""
    provider = provider_for(device, settings)
    t0 = time.perf_counter()
    await provider.connect()
    t1 = time.perf_counter()
    await provider.get_running_config()
    t2 = time.perf_counter()
    await provider.push_config(push_lines(device))
    t3 = time.perf_counter()
    await provider.close()
    t4 = time.perf_counter()
    for name, took in (("connect (kex, auth, shell, enable, paging off)", t1 - t0),
                       ("show running-config", t2 - t1),
                       ("10-line push (+ Junos commit)", t3 - t2), ("close", t4 - t3)):
        STEPS[name] += took


def measure(lab: LabProcess, rounds: int, step: Callable[[int], Awaitable[None]]
            ) -> tuple[float, float, float]:
    async def run() -> None:
        for n in range(rounds):
            await step(n)

    with Meter(lab.pid) as meter:
        asyncio.run(run())
    return (1000 * meter.wall / rounds, 1000 * meter.client_cpu / rounds,
            1000 * meter.lab_cpu / rounds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--devices", type=int, default=12)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, \
            LabProcess(args.devices, Path(tmp) / "inventory.yaml") as lab:
        records = lab.records
        devices = list(load_inventory(lab.inventory_path))
        settings = Settings(provider="asyncssh")
        cases: list[tuple[str, Callable[[int], Awaitable[None]]]] = [
            ("kex only (TCP + key exchange)", lambda n: kex(records[n % len(records)])),
            ("kex + password auth", lambda n: kex_auth(records[n % len(records)])),
            ("kex + auth + PTY shell to first prompt",
             lambda n: kex_auth_shell(records[n % len(records)])),
            ("asyncssh provider: whole bench session",
             lambda n: provider_session(devices[n % len(devices)], settings)),
        ]
        for label, step in cases:
            measure(lab, 3, step)  # warm up imports and caches
            STEPS.clear()
            wall, client, lab_cpu = measure(lab, args.rounds, step)
            rows.append(f"| {label} | {wall:.1f} | {client:.1f} | {lab_cpu:.1f} |")
            print(rows[-1], flush=True)
    steps = [f"| {name} | {1000 * total / args.rounds:.1f} |" for name, total in STEPS.items()]
    body = "\n".join([
        SECTION, "",
        f"One device at a time, {args.rounds} rounds each, against one lab process "
        f"({args.devices} devices, all three platforms).", "",
        f"Machine: {machine_note()}", "",
        f"Command: `.venv/bin/python bench/ssh_handshake.py --rounds {args.rounds}`", "",
        "| step | wall ms | client CPU ms | lab CPU ms |", "|---|---|---|---|", *rows, "",
        "Provider session, wall ms per step:", "",
        "| step | wall ms |", "|---|---|", *steps, "",
    ])
    print()
    print(body)
    if args.write_docs:
        current = DOCS.read_text() if DOCS.exists() else "# Performance\n"
        start = current.find(SECTION + "\n")
        if start < 0:
            current = current.rstrip("\n") + "\n\n" + body
        else:
            end = current.find("\n## ", start + len(SECTION))
            current = current[:start] + body + (current[end + 1:] if end >= 0 else "")
        DOCS.write_text(current.rstrip("\n") + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
