"""A plan's read of a device retries a transient error with backoff, as a run's push does;
a refused login is not retried."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from nocdeck.catalog import Catalog
from nocdeck.config import Settings
from nocdeck.engine import events as ev
from nocdeck.engine.plan import PlanRequest, plan
from nocdeck.engine.pool import ProviderPool
from nocdeck.inventory.models import Inventory
from nocdeck.lab import Lab, LabSpec, run_lab
from nocdeck.lab.faults import DeviceFaults
from nocdeck.store import Store

pytestmark = pytest.mark.timeout(60)

REQUEST = PlanRequest("interface-description", {
    "device": "r1", "interface": "Gi1/0/3", "description": "planned after a retry"})
QUICK = Settings(connect_timeout=1, command_timeout=1)
"""A device that never shows its prompt (the `hang` fault) times out in a second."""


@pytest.fixture
async def lab() -> AsyncIterator[Lab]:
    async with run_lab(LabSpec(devices=1)) as running:
        yield running


def notes(events: list[ev.EngineEvent]) -> list[str]:
    return [e.text for e in events if isinstance(e, ev.LogLine) and e.direction == "info"]


def closed_port() -> int:
    """A port nothing listens on: bound once to be free, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize("pooled", [False, True], ids=["plan", "run-pool"])
async def test_a_device_that_times_out_once_is_planned_after_one_retry(
        lab: Lab, store: Store, catalog: Catalog, pooled: bool) -> None:
    lab.set_faults("r1", DeviceFaults(hang_after_login=True))
    events: list[ev.EngineEvent] = []

    def sink(event: ev.EngineEvent) -> None:
        events.append(event)
        if isinstance(event, ev.LogLine) and "; retry 1 of 2 in" in event.text:
            lab.set_faults("r1", DeviceFaults())  # the device recovers during the backoff

    pool = ProviderPool(QUICK) if pooled else None
    try:
        result = await plan(REQUEST, catalog=catalog, inventory=lab.inventory(), store=store,
                            settings=QUICK, sink=sink, pool=pool, backoff=0.01)
    finally:
        if pool is not None:
            await pool.close()

    (device,) = result.devices
    assert result.status == "planned", device.error
    assert device.status == "planned" and "planned after a retry" in device.diff
    retries = [text for text in notes(events) if "; retry " in text]
    assert len(retries) == 1
    assert retries[0].startswith("no answer") and retries[0].endswith("; retry 1 of 2 in 0.01 s")


async def test_a_closed_port_fails_the_device_after_every_retry(
        lab: Lab, store: Store, catalog: Catalog) -> None:
    r1 = lab.inventory().get("r1")
    assert r1 is not None
    port = closed_port()
    inventory = Inventory([r1, r1.model_copy(update={"name": "r9", "port": port})])
    events: list[ev.EngineEvent] = []
    request = PlanRequest("interface-description", {
        "device": "r9", "interface": "Gi1/0/3", "description": "x"})
    result = await plan(request, catalog=catalog, inventory=inventory, store=store,
                        settings=QUICK, sink=events.append, retries=3, backoff=0.01)

    (device,) = result.devices
    assert result.status == "failed" and device.status == "failed"
    assert device.error == (f"r9: connection refused by 127.0.0.1:{port}; "
                            f"gave up after 4 attempts")
    assert [text for text in notes(events) if "; retry " in text] == [
        f"connection refused by 127.0.0.1:{port}; retry 1 of 3 in 0.01 s",
        f"connection refused by 127.0.0.1:{port}; retry 2 of 3 in 0.02 s",
        f"connection refused by 127.0.0.1:{port}; retry 3 of 3 in 0.04 s"]
    detail = await store.get_execution(result.execution_id)
    assert detail.devices[0].error == device.error


async def test_a_refused_login_is_not_retried(
        lab: Lab, store: Store, catalog: Catalog) -> None:
    lab.set_faults("r1", DeviceFaults(reject_login=True))
    events: list[ev.EngineEvent] = []
    result = await plan(REQUEST, catalog=catalog, inventory=lab.inventory(), store=store,
                        settings=QUICK, sink=events.append, backoff=0.01)

    (device,) = result.devices
    assert device.status == "failed"
    assert device.error is not None and "attempt" not in device.error
    assert not [text for text in notes(events) if "; retry " in text]
    assert len([text for text in notes(events) if text.startswith("connecting to")]) == 1
