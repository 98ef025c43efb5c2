"""Helpers for benchmarks: one `nocdeck lab up` process, its devices, and its CPU time.

The lab runs in its own process so that its CPU time can be read from /proc/<pid>/stat
before and after each measured phase, apart from the client's.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def nocdeck_executable() -> str:
    """The `nocdeck` script of the running virtualenv."""
    candidate = Path(sys.executable).with_name("nocdeck")
    return str(candidate) if candidate.exists() else "nocdeck"


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads), from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLOCK_TICKS


def client_cpu_seconds() -> float:
    """User + system CPU seconds of this process, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Meter:
    """Wall time, client CPU and lab CPU over one phase."""

    lab_pid: int
    wall: float = 0.0
    client_cpu: float = 0.0
    lab_cpu: float = 0.0

    def __enter__(self) -> Meter:
        self._t0 = time.perf_counter()
        self._c0 = client_cpu_seconds()
        self._l0 = process_cpu_seconds(self.lab_pid)
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._t0
        self.client_cpu = client_cpu_seconds() - self._c0
        self.lab_cpu = process_cpu_seconds(self.lab_pid) - self._l0


class LabProcess:
    """`nocdeck lab up --devices N --json --inventory-out FILE` as a child process."""

    def __init__(self, devices: int, inventory_path: Path, *, start_timeout: float = 120.0,
                 extra_args: list[str] | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.devices = devices
        self.inventory_path = inventory_path
        self.start_timeout = start_timeout
        self.extra_args = extra_args or []
        self.env = env
        """The lab's environment (None: this process's); its HOME holds the parsed copy of
        the inventory it writes (nocdeck.parsecache), as for a user who ran `lab up`."""
        self.records: list[dict[str, Any]] = []
        self.process: subprocess.Popen[str] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> LabProcess:
        command = [nocdeck_executable(), "lab", "up", "--devices", str(self.devices), "--json",
                   "--inventory-out", str(self.inventory_path), *self.extra_args]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env=self.env)
        ready = threading.Event()

        def read() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                if line.strip():
                    self.records.append(json.loads(line))
                if len(self.records) >= self.devices:
                    ready.set()
                    return
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(self.start_timeout) or len(self.records) < self.devices:
            err = self.stop()
            raise RuntimeError(f"lab did not start {self.devices} devices within "
                               f"{self.start_timeout:g}s: {err.strip()[-2000:]}")
        return self

    def stop(self) -> str:
        """Stop the lab with SIGINT (as Ctrl-C would); return what it printed on stderr."""
        if self.process is None:
            return ""
        process, self.process = self.process, None
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.stderr.read() if process.stderr else ""

    def __enter__(self) -> LabProcess:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def machine_note() -> str:
    """One line naming the machine the numbers come from."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import platform
    from importlib.metadata import version

    return (f"{model}, {os.cpu_count()} cores visible, Python {platform.python_version()}, "
            + ", ".join(f"{name} {version(name)}" for name in LIBRARIES)
            + f", {platform.system()} {platform.release()}; speed: {speed_ms():.0f} ms for "
            f"the calibration loop")


LIBRARIES = ("netmiko", "paramiko", "asyncssh", "cryptography", "sqlalchemy")
"""The libraries whose version moves the numbers (the clients' and the lab's SSH stack)."""


def speed_ms() -> float:
    """CPU milliseconds of a fixed pure-Python loop (best of 5): this virtual machine's speed
    drifts by 2x and more between days and within an hour, and the baselines (mostly
    waiting) move less than nocdeck (mostly computing), so every result names it."""
    import time

    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        total = 0
        for number in range(1_000_000):
            total += number
        best = min(best, time.process_time() - start)
    return 1000 * best
