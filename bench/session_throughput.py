"""Stream 20 MB of device output through a recorded session and through plain asyncssh.

Budget (issue 7): recording costs under 15% throughput and under 1 ms of added latency per
keystroke (median), with memory flat (no whole-transcript buffering).

    .venv/bin/python bench/session_throughput.py [--mb 20] [--postgres | --store URL] [--keys 200]

The device is a tiny asyncssh server inside this script (on 127.0.0.1, port from the OS):
`show tech-support` answers with MB of config-like text (secret lines included, one of them
different in every 8 KB, so the masking does real work), every key is echoed at once.
Both sessions send the same lines; the plain one is asyncssh with no recording, the
recorded one is `run_interactive_session` with the store (SQLite in a temp dir; with
--postgres a database of its own on 127.0.0.1:5432, created and dropped here), fed through
pipes. Memory: peak RSS growth over each session (sampled every 20 ms), then one more
recorded session under tracemalloc for the peak of Python's own heap during it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncssh

from nocdeck.config import Settings
from nocdeck.inventory.models import Device
from nocdeck.lab.generate import initial_config
from nocdeck.recordings.terminal import run_interactive_session
from nocdeck.store import Store

PROMPT = b"bench#"
SIZE = (200, 50)


def tech_block() -> bytes:
    text, _facts = initial_config("cisco_ios", "bench", seed=7, index=0)
    return text.replace("\n", "\r\n").encode()


class BenchServer(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return True


def device_shell(total: int) -> object:
    block = tech_block()

    async def shell(process: asyncssh.SSHServerProcess[bytes]) -> None:
        process.stdout.write(PROMPT)
        line = b""
        while True:
            data = await process.stdin.read(4096)
            if not data:
                break
            for byte in data:
                char = bytes([byte])
                if char != b"\r":
                    process.stdout.write(char)
                    line += char
                    continue
                process.stdout.write(b"\r\n")
                if line == b"exit":
                    process.exit(0)
                    return
                if line == b"show tech-support":
                    sent = 0
                    while sent < total:
                        unique = f"snmp-server community bench-{sent:012d} RO\r\n".encode()
                        process.stdout.write(block + unique)
                        sent += len(block) + len(unique)
                        await process.stdout.drain()
                line = b""
                process.stdout.write(PROMPT)
        process.exit(0)

    return shell


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class RssWatch:
    def __init__(self) -> None:
        self.start = rss_mb()
        self.peak = self.start
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            self.peak = max(self.peak, rss_mb())
            await asyncio.sleep(0.02)

    def stop(self) -> float:
        self._task.cancel()
        return self.peak - self.start


async def plain(port: int, total: int, devnull: int) -> tuple[float, float, float]:
    watch = RssWatch()
    started = time.perf_counter()
    cpu = time.process_time()
    async with asyncssh.connect("127.0.0.1", port, username="admin", password="x",
                                known_hosts=None, config=None) as conn:
        process = await conn.create_process(term_type="xterm", term_size=SIZE, encoding=None)
        process.stdin.write(b"show tech-support\rexit\r")
        received = 0
        while data := await process.stdout.read(65536):
            os.write(devnull, data)
            received += len(data)
        await process.wait_closed()
    elapsed = time.perf_counter() - started
    assert received >= total
    return elapsed, watch.stop(), time.process_time() - cpu


async def recorded(device: Device, store: Store, devnull: int, settings: Settings
                   ) -> tuple[float, float, float]:
    keys_read, keys_write = os.pipe()
    watch = RssWatch()
    started = time.perf_counter()
    cpu = time.process_time()
    os.write(keys_write, b"show tech-support\rexit\r")
    result = await run_interactive_session(device, settings, store, stdin_fd=keys_read,
                                           stdout_fd=devnull, term_size=SIZE)
    elapsed = time.perf_counter() - started
    os.close(keys_read)
    os.close(keys_write)
    assert result.complete and result.exit_status == 0, result
    return elapsed, watch.stop(), time.process_time() - cpu


async def echo_latency_plain(port: int, keys: int) -> list[float]:
    async with asyncssh.connect("127.0.0.1", port, username="admin", password="x",
                                known_hosts=None, config=None) as conn:
        process = await conn.create_process(term_type="xterm", term_size=SIZE, encoding=None)
        await process.stdout.readuntil(PROMPT)
        times = []
        for _ in range(keys):
            started = time.perf_counter()
            process.stdin.write(b"x")
            await process.stdout.readexactly(1)
            times.append(time.perf_counter() - started)
        process.stdin.write(b"\rexit\r")
        await process.wait_closed()
    return times


async def echo_latency_recorded(device: Device, store: Store, settings: Settings,
                                keys: int) -> list[float]:
    keys_read, keys_write = os.pipe()
    screen_read, screen_write = os.pipe()
    loop = asyncio.get_running_loop()
    arrived: asyncio.Queue[bytes] = asyncio.Queue()
    loop.add_reader(screen_read, lambda: arrived.put_nowait(os.read(screen_read, 65536)))
    session = asyncio.create_task(run_interactive_session(
        device, settings, store, stdin_fd=keys_read, stdout_fd=screen_write, term_size=SIZE))
    seen = b""
    while PROMPT not in seen:
        seen += await asyncio.wait_for(arrived.get(), 10)
    times = []
    for _ in range(keys):
        started = time.perf_counter()
        os.write(keys_write, b"x")
        await asyncio.wait_for(arrived.get(), 10)
        times.append(time.perf_counter() - started)
    os.write(keys_write, b"\rexit\r")
    await asyncio.wait_for(session, 30)
    loop.remove_reader(screen_read)
    for fd in (keys_read, keys_write, screen_read, screen_write):
        os.close(fd)
    return times


PG = dict(host="127.0.0.1", port=5432, user="postgres", database="postgres")


@asynccontextmanager
async def bench_store_url(tmp: str, store_url: str | None, postgres: bool
                          ) -> AsyncIterator[str]:
    """The store to record into: given, a PostgreSQL database of its own, or SQLite."""
    if store_url or not postgres:
        yield store_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        return
    import asyncpg  # type: ignore[import-untyped]

    name = f"nocdeck_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(**PG, timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+asyncpg://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def heap_peak(device: Device, store: Store, devnull: int, settings: Settings) -> float:
    """Peak of Python's heap (tracemalloc) during one recorded session, in MB."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        await recorded(device, store, devnull, settings)
        return (tracemalloc.get_traced_memory()[1] - before) / 2**20
    finally:
        tracemalloc.stop()


async def main(total: int, store_url: str | None, keys: int, postgres: bool = False) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    server = await asyncssh.create_server(BenchServer, "127.0.0.1", 0, server_host_keys=[key],
                                          process_factory=device_shell(total), encoding=None)
    port = server.sockets[0].getsockname()[1]
    device = Device(name="bench", platform="cisco_ios", host="127.0.0.1", port=port,
                    credentials="lab", host_key_check=False)
    with tempfile.TemporaryDirectory() as tmp:
        async with bench_store_url(tmp, store_url, postgres) as url:
            await run_bench(port, device, url, total, keys)
    server.close()


async def run_bench(port: int, device: Device, url: str, total: int, keys: int) -> None:
    """Plain and recorded, best of 3 each, alternating; then latency and heap."""
    store = await Store.open(url)
    settings = Settings(user="bench")
    devnull = os.open(os.devnull, os.O_WRONLY)
    await plain(port, total, devnull)  # warm-up: imports, key exchange code paths
    runs_plain, runs_recorded = [], []
    for _ in range(3):
        runs_plain.append(await plain(port, total, devnull))
        runs_recorded.append(await recorded(device, store, devnull, settings))
    plain_s = min(r[0] for r in runs_plain)
    recorded_s = min(r[0] for r in runs_recorded)
    mb = total / 2**20
    print(f"output: {mb:.0f} MB per session, store {store.url}, "
          f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    print(f"plain asyncssh:   {plain_s:6.2f} s  {mb / plain_s:7.1f} MB/s  "
          f"peak RSS +{max(r[1] for r in runs_plain):.1f} MB")
    print(f"recorded session: {recorded_s:6.2f} s  {mb / recorded_s:7.1f} MB/s  "
          f"peak RSS +{max(r[1] for r in runs_recorded):.1f} MB")
    print(f"throughput cost:  {100 * (recorded_s - plain_s) / plain_s:5.1f} % "
          "(budget < 15 %)")
    plain_cpu = min(r[2] for r in runs_plain)
    recorded_cpu = min(r[2] for r in runs_recorded)
    print(f"CPU time (all threads, the in-process device included): plain {plain_cpu:.2f} s, "
          f"recorded {recorded_cpu:.2f} s, +{100 * (recorded_cpu - plain_cpu) / plain_cpu:.0f} %")
    lat_plain = await echo_latency_plain(port, keys)
    lat_recorded = await echo_latency_recorded(device, store, settings, keys)
    added = (statistics.median(lat_recorded) - statistics.median(lat_plain)) * 1000
    print(f"keystroke echo, median of {keys}: plain "
          f"{statistics.median(lat_plain) * 1000:.3f} ms, recorded "
          f"{statistics.median(lat_recorded) * 1000:.3f} ms, added {added:.3f} ms "
          "(budget < 1 ms)")
    print(f"Python heap peak during one recorded session (tracemalloc): "
          f"+{await heap_peak(device, store, devnull, settings):.1f} MB")
    os.close(devnull)
    await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--store", default=None)
    parser.add_argument("--postgres", action="store_true",
                        help="record into a database of its own on 127.0.0.1:5432")
    parser.add_argument("--keys", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.mb * 2**20, args.store, args.keys, args.postgres))
