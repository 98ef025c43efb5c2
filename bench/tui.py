"""How fast the TUI paints and answers keys.

    .venv/bin/python bench/tui.py [--runs 5] [--devices 200] [--rate 5000] [--keys 200]
                                  [--skip-paint]

(a) first paint: the real `nocdeck --lab` started in tmux (100x30, private socket,
    throw-away XDG dirs), timed from spawn until capture-pane shows the Catalog screen;
    in the same run, `python -c "import textual.app"` is timed the same way (spawn to exit).
    Median of --runs each; budget < 1 s, and the ratio between the two.
(b) key latency in the push view: the PushScreen (the real widget, its EventBuffer and its
    20 Hz drain) with --devices rows, fed from another thread with --rate log lines per
    second in total (each line a LogLine of one device, every 1,000th a status change:
    about what 200 devices going running -> completed do), while
    --keys Down presses move the device cursor. Latency = press sent until the DeviceTable
    cursor moved, read on the UI loop. Budget: p99 < 100 ms.
    The events come from a feeder thread, not from 200 lab devices pushing: the feeder
    produces the same event types at the stated rate, which the lab cannot reach alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def first_paint(runs: int) -> tuple[list[float], list[float]]:
    nocdeck = Path(sys.executable).with_name("nocdeck")
    paints: list[float] = []
    imports: list[float] = []
    for n in range(runs):
        with tempfile.TemporaryDirectory() as home:
            socket = f"nocdeck-bench-{os.getpid()}-{n}"
            env = (f"env TERM=xterm-256color XDG_DATA_HOME={home}/d XDG_CONFIG_HOME={home}/c "
                   f"NOCDECK_USER=bench@noc {nocdeck} --lab")
            start = time.perf_counter()
            subprocess.run(["tmux", "-L", socket, "new-session", "-d", "-s", "b", "-x", "100",
                            "-y", "30", env], check=True, timeout=10)
            try:
                while time.perf_counter() - start < 20:
                    shown = subprocess.run(["tmux", "-L", socket, "capture-pane", "-p", "-t",
                                            "b"], capture_output=True, text=True).stdout
                    if "to filter workflows" in shown:
                        paints.append(time.perf_counter() - start)
                        break
                    time.sleep(0.005)
            finally:
                subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import textual.app"], check=True)
        imports.append(time.perf_counter() - start)
    return paints, imports


async def key_latency(devices: int, rate: int, keys: int) -> tuple[list[float], int]:
    from textual import events
    from textual.app import App

    from nocdeck.config import Settings
    from nocdeck.engine import events as ev
    from nocdeck.screens.backend import Backend
    from nocdeck.screens.planning import RequestDraft
    from nocdeck.screens.push import PushScreen
    from nocdeck.screens.widgets.devicetable import DeviceTable

    names = [f"sw-{n:03d}" for n in range(devices)]
    drains: list[float] = []

    import nocdeck.screens.push as push_module

    class FedPush(PushScreen):
        CSS_PATH = str(Path(push_module.__file__).with_name("push.tcss"))

        def execute(self) -> None:  # type: ignore[override]
            self.status = "running"

        def drain(self) -> None:
            t0 = time.perf_counter()
            super().drain()
            drains.append(time.perf_counter() - t0)

    class Bench(App[None]):
        def on_mount(self) -> None:
            self.push_screen(FedPush(Backend(Settings()), RequestDraft("bench", {}), names))

    stop = threading.Event()
    sent = [0]

    def feed(screen: PushScreen) -> None:
        interval = 0.01
        per_tick = max(rate * interval, 1)
        k = 0
        next_tick = time.perf_counter()
        while not stop.is_set():
            for _ in range(int(per_tick)):
                name = names[k % devices]
                if k % 1000 == 0:
                    screen.buffer(ev.DeviceStatusChanged(execution_id="ex-bench", device=name,
                                                         status="running"))
                screen.buffer(ev.LogLine(execution_id="ex-bench", device=name,
                                         direction="received",
                                         text=f"{name}(config-if)# description line {k}"))
                k += 1
            sent[0] = k
            next_tick += interval
            time.sleep(max(0.0, next_tick - time.perf_counter()))

    app = Bench()
    latencies: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, FedPush)
        table = screen.query_one(DeviceTable)
        table.focus()
        feeder = threading.Thread(target=feed, args=(screen,), daemon=True)
        feeder.start()
        await pilot.pause(1.0)  # let the stream reach its rate
        started = time.perf_counter()
        for n in range(keys):
            before = table.cursor_row
            key = "down" if (n // (devices - 1)) % 2 == 0 else "up"
            t0 = time.perf_counter()
            app.post_message(events.Key(key, None))  # as the terminal driver does
            while table.cursor_row == before and time.perf_counter() - t0 < 2.0:
                await asyncio.sleep(0.0005)
            latencies.append(time.perf_counter() - t0)  # 2 s: counted, and shows as max
            if os.environ.get("BENCH_TRACE"):
                print(n, table.cursor_row, f"{latencies[-1]*1000:.1f}", flush=True)
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
        stop.set()
        feeder.join(timeout=5)
    if drains:
        print(f"    drains: {len(drains)}, median {statistics.median(drains) * 1000:.1f} ms, "
              f"p99 {pct(drains, 0.99) * 1000:.1f} ms, max {max(drains) * 1000:.1f} ms")
    return latencies, int(sent[0] / (elapsed + 1.0))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--skip-paint", action="store_true", help="only (b), the key latency")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f}")
    if shutil.which("tmux") and not args.skip_paint:
        paints, imports = first_paint(args.runs)
        paint, imp = statistics.median(paints), statistics.median(imports)
        print(f"(a) nocdeck --lab first paint: median {paint * 1000:.0f} ms "
              f"(min {min(paints) * 1000:.0f}, max {max(paints) * 1000:.0f}) over {len(paints)}")
        print(f"    python -c 'import textual.app': median {imp * 1000:.0f} ms; "
              f"ratio {paint / imp:.2f}")
    latencies, achieved = asyncio.run(key_latency(args.devices, args.rate, args.keys))
    print(f"(b) push view, {args.devices} devices, ~{achieved} log lines/s fed: key latency "
          f"median {statistics.median(latencies) * 1000:.1f} ms, "
          f"p99 {pct(latencies, 0.99) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms "
          f"over {len(latencies)} keys")


if __name__ == "__main__":
    main()
