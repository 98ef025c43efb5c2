"""The thread pool that blocking drivers (netmiko) run in, sized by `settings.concurrency`.

asyncio's default executor has min(32, cores + 4) threads: on a two-core jump host that is 6,
which would silently cap a 20-device fan-out at 6. One pool per size is kept for the process.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

DEFAULT_WORKERS = 20

_pools: dict[int, ThreadPoolExecutor] = {}
_lock = threading.Lock()


def worker_pool(workers: int = DEFAULT_WORKERS) -> ThreadPoolExecutor:
    """The shared pool with `workers` threads (created on first use)."""
    if workers < 1:
        raise ValueError(f"worker count must be at least 1, got {workers}")
    with _lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nocdeck-device")
            _pools[workers] = pool
        return pool
