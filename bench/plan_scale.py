"""Plan a 3-step workflow on 1,000 devices whose running configs come from stored backups.

Budget (issue 4): resolve + render + diff + write the records in under 5 s on this 2-core
machine, with rendering not the bottleneck (templates compiled once, not per device).

    .venv/bin/python bench/plan_scale.py [--devices 1000] [--store URL]

The devices and their realistic running configs come from the lab's generator (IOS, EOS
and Junos round-robin); the lab is never connected to. The workflow is
bench/catalog/site-baseline.yaml (NTP servers, SNMP location, login banner).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _lab_process import machine_note

from nocdeck.catalog import RenderMeta
from nocdeck.config import Settings
from nocdeck.engine.configtext import preview
from nocdeck.engine.plan import PlanRequest, backup_running_config, plan
from nocdeck.engine.render import render_device
from nocdeck.lab import LabSpec, run_lab
from nocdeck.store import Store

HERE = Path(__file__).parent
INPUTS = {"servers": ["192.0.2.1", "192.0.2.2"], "location": "DC1 hall B"}
STORE_CALLS = ("create_execution", "add_steps", "latest_backups", "update_devices",
               "set_status")
"""The store calls a plan makes, timed inside the real plan (wall and process CPU)."""


def load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def time_calls(store: Store, spent: dict[str, list[float]]) -> None:
    """Wrap the store's own methods (on this instance) to add up their wall and CPU time."""
    for name in STORE_CALLS:
        method: Callable[..., Awaitable[Any]] = getattr(store, name)

        @functools.wraps(method)
        async def timed(*args: Any, _method: Callable[..., Awaitable[Any]] = method,
                        _name: str = name, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return await _method(*args, **kwargs)
            finally:
                total = spent.setdefault(_name, [0.0, 0.0])
                total[0] += time.perf_counter() - wall
                total[1] += time.process_time() - cpu

        setattr(store, name, timed)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--store", default="")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(catalog=[str(HERE / "catalog")], concurrency=50,
                            store_url=args.store or f"sqlite+aiosqlite:///{tmp}/plan.db")
        from nocdeck.catalog import load_catalog

        t0 = time.perf_counter()
        async with run_lab(LabSpec(devices=args.devices, seed=7)) as lab:
            inventory = lab.inventory()
            configs = {d.name: lab.running_config(d.name) for d in inventory}
        setup_lab = time.perf_counter() - t0
        store = await Store.open(settings.effective_store_url)
        for name, text in configs.items():
            await store.save_backup(name, text, method="bench")
        catalog = load_catalog(settings)
        compiled_before = catalog.cache.compilations
        spent: dict[str, list[float]] = {}
        time_calls(store, spent)
        load_before = load()

        # The whole plan, as `nocdeck plan` does it, reading running configs from backups.
        started = time.perf_counter()
        cpu0 = time.process_time()
        result = await plan(PlanRequest("site-baseline", INPUTS, devices=["r*"]),
                            catalog=catalog, inventory=inventory, store=store,
                            settings=settings,
                            running=backup_running_config(store, prefetch=inventory.names))
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu0
        load_after = load()
        await store.close()

        # Where the time goes: rendering and merge + diff again, alone (CPU time, which the
        # other work on a shared machine does not inflate), and the store calls timed above.
        workflow = catalog.workflow("site-baseline")
        inputs = catalog.coerce_inputs("site-baseline", INPUTS)
        meta = RenderMeta(requested_by="bench")
        t = time.process_time()
        renderings = [render_device(catalog, workflow, d, inputs, meta=meta) for d in inventory]
        render_s = time.process_time() - t
        t = time.process_time()
        for rendering in renderings:
            change = preview(rendering.device.platform, configs[rendering.device.name],
                             rendering.candidate)
            change.diff.masked().unified()
        diff_s = time.process_time() - t

    n = len(result.devices)
    changed = sum(1 for d in result.devices if d.changed)
    lines = sum(text.count("\n") for text in configs.values()) // max(n, 1)
    store_wall = sum(w for w, _ in spent.values())
    store_cpu = sum(c for _, c in spent.values())
    print(f"machine: {machine_note()}; load average {load_before} before, {load_after} after")
    print(f"devices: {n} ({changed} with changes), ~{lines} config lines each; "
          f"lab setup {setup_lab:.1f} s (not timed)")
    print(f"plan (resolve + render + diff + records): {wall:.2f} s wall, {cpu:.2f} s CPU, "
          f"{wall / n * 1000:.2f} ms wall / {cpu / n * 1000:.2f} ms CPU per device  "
          f"[budget 5 s wall]")
    print(f"  render alone:            {render_s:.2f} s CPU ({render_s / n * 1000:.2f} ms/device)")
    print(f"  merge + diff alone:      {diff_s:.2f} s CPU ({diff_s / n * 1000:.2f} ms/device)")
    print(f"  store calls in the plan: {store_wall:.2f} s wall, {store_cpu:.2f} s CPU")
    for name, (w, c) in spent.items():
        print(f"    {name + ':':24s} {w:.2f} s wall, {c:.2f} s CPU")
    rest = max(cpu - render_s - diff_s - store_cpu, 0)
    print(f"  remainder (plan CPU less the stages above; they were timed apart): {rest:.2f} s CPU")
    print(f"  templates compiled during the plan: "
          f"{catalog.cache.compilations - compiled_before} (once per catalog load, not per "
          f"device)")
    print(f"status: {result.status}; {'within' if wall < 5 else 'OVER'} budget "
          f"({wall:.2f} s wall, {cpu:.2f} s CPU)")

if __name__ == "__main__":
    asyncio.run(main())
