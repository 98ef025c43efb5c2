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
import tempfile
import time
from pathlib import Path

from nocdeck.catalog import RenderMeta
from nocdeck.config import Settings
from nocdeck.engine.configtext import preview
from nocdeck.engine.plan import PlanRequest, backup_running_config, plan
from nocdeck.engine.render import render_device
from nocdeck.lab import LabSpec, run_lab
from nocdeck.store import Store

HERE = Path(__file__).parent
INPUTS = {"servers": ["192.0.2.1", "192.0.2.2"], "location": "DC1 hall B"}


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

        # The whole plan, as `nocdeck plan` does it, reading running configs from backups.
        started = time.perf_counter()
        cpu0 = time.process_time()
        result = await plan(PlanRequest("site-baseline", INPUTS, devices=["r*"]),
                            catalog=catalog, inventory=inventory, store=store,
                            settings=settings,
                            running=backup_running_config(store, prefetch=inventory.names))
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu0
        await store.close()

        # Where the time goes: the same work, stage by stage, without the store.
        workflow = catalog.workflow("site-baseline")
        inputs = catalog.coerce_inputs("site-baseline", INPUTS)
        meta = RenderMeta(requested_by="bench")
        t = time.perf_counter()
        renderings = [render_device(catalog, workflow, d, inputs, meta=meta) for d in inventory]
        render_s = time.perf_counter() - t
        t = time.perf_counter()
        for rendering in renderings:
            change = preview(rendering.device.platform, configs[rendering.device.name],
                             rendering.candidate)
            change.diff.masked().unified()
        diff_s = time.perf_counter() - t

    n = len(result.devices)
    changed = sum(1 for d in result.devices if d.changed)
    lines = sum(text.count("\n") for text in configs.values()) // max(n, 1)
    print(f"devices: {n} ({changed} with changes), ~{lines} config lines each; "
          f"lab setup {setup_lab:.1f} s (not timed)")
    print(f"plan (resolve + render + diff + records): {wall:.2f} s wall, {cpu:.2f} s CPU, "
          f"{wall / n * 1000:.2f} ms per device  [budget 5 s]")
    print(f"  render alone:            {render_s:.2f} s ({render_s / n * 1000:.2f} ms/device)")
    print(f"  merge + diff alone:      {diff_s:.2f} s ({diff_s / n * 1000:.2f} ms/device)")
    print(f"  store + orchestration:   {max(wall - render_s - diff_s, 0):.2f} s (remainder)")
    print(f"  templates compiled during the plan: "
          f"{catalog.cache.compilations - compiled_before} (once per catalog load, not per "
          f"device)")
    print(f"status: {result.status}; {'within' if wall < 5 else 'OVER'} budget")


if __name__ == "__main__":
    asyncio.run(main())
