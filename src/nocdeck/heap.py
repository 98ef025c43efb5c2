"""Keep Python's cyclic garbage collector off what nocdeck loads once and keeps.

The modules, the catalog and the inventory (for 200 devices, ~100,000 objects) live as long
as the process. Python's collector nonetheless walks all of them at every full collection,
and a 200-device run triggers a few (0.19 s of a 3.4 s `nocdeck run`). `loading()` keeps
the collector off while that state loads (it makes no cyclic garbage worth a pass), then
moves everything alive out of the collector's reach (`gc.freeze`), as long-running Python
services do after start-up, and lets the youngest generation grow larger before a pass
(most of a run's objects die young, by reference counting, before any pass sees them).
What the work allocates afterwards is collected as usual.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 10_000
"""Allocations between two passes over the youngest generation (Python's default: 700)."""
_settled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside; the collector is put back as it was, also on an error."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def modules_loading() -> Iterator[None]:
    """Around importing a command's modules (`nocdeck.commands.load_command`): importing
    `run` creates ~190,000 objects that live as long as the process and little cyclic
    garbage (~2,000 objects, kept for good by the freeze). With the collector on, Python
    walks them in ~150 passes (0.1 s of a 1.4 s `nocdeck run` on one device), and merely
    re-enabling it would walk them all once more (40 ms), so they are frozen once loaded."""
    with collector_paused():
        yield
        gc.freeze()


@contextmanager
def loading() -> Iterator[None]:
    """Around loading the state that stays (see `nocdeck.workspace.open_workspace`)."""
    with collector_paused():
        yield
    global _settled
    if _settled:  # once per process: a later freeze would keep that moment's garbage for good
        return
    _settled = True
    gc.freeze()
    young, older, oldest = gc.get_threshold()
    gc.set_threshold(max(YOUNG_THRESHOLD, young), older, oldest)


def freeze_at_exit() -> None:
    """At exit, keep the collector off everything alive. Python's finalization runs full
    collections over the whole heap before it exits (70-90 ms after a 200-device `nocdeck
    run`, its records and dialogue still alive), only to free memory the exit frees anyway.
    The atexit handlers still run (logging flushes and closes its handlers, threads are
    joined) and whatever is freed by reference counting is still freed; only cyclic garbage
    is left to the exit. nocdeck writes its files in `with` blocks (and the store closes
    before the command returns), so nothing written waits on the collector."""
    atexit.register(gc.freeze)
