"""Plan (dry run): resolve, render, read each target's running config, merge, diff, record.

A plan never changes a device: it only reads the running config (no configuration mode is
ever entered). Everything that can be wrong with the request (inputs, targets, resolution,
templates) is found before anything is read or written, so a bad request leaves no record
and touches nothing. A read that fails on a transient error (timeout, refused connection) is
retried as a run's push is (`engine.retry`). What is stored is masked by `nocdeck.redaction`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nocdeck.catalog import Catalog, RenderMeta, Workflow
from nocdeck.config import Settings
from nocdeck.engine import events as ev
from nocdeck.engine.configtext import PLATFORMS, preview
from nocdeck.engine.pool import ProviderPool
from nocdeck.engine.render import DeviceRendering, render_device
from nocdeck.engine.retry import retry_transient
from nocdeck.engine.runmodel import RunOptions
from nocdeck.engine.targets import check_target_options, inputs_for_device, select_targets
from nocdeck.errors import TRANSIENT_ERRORS, BadInput, NocdeckError, RenderError
from nocdeck.inventory.models import Device, Inventory
from nocdeck.providers.base import DialogueLine
from nocdeck.providers.registry import provider_for
from nocdeck.redaction import GLOBAL_REDACTOR
from nocdeck.store import DeviceChange, DeviceStatus, ExecutionStatus, NewStep, StepStatus, Store

PLAN_LEASE_SECONDS = 60.0
"""A plan's lease; renewed every third of it while the plan runs."""

RunningConfigSource = Callable[[Device], Awaitable[str]]
"""Where a plan reads a device's running config: the device itself, or a stored backup."""


@dataclass(frozen=True)
class PlanRequest:
    workflow: str
    inputs: Mapping[str, Any]
    devices: Sequence[str] = ()
    filters: Sequence[str] = ()
    requested_by: str = ""
    ticket: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class DevicePlan:
    """The planned change on one device; every text is masked."""

    name: str
    platform: str
    status: str
    """`planned`, `no_change` or `failed`."""
    implementations: tuple[str, ...]
    lines_to_push: tuple[str, ...] = ()
    diff: str = ""
    added: int = 0
    removed: int = 0
    error: str | None = None
    rendering: DeviceRendering | None = field(default=None, repr=False, compare=False)
    """In memory only (never stored): what the runner needs to push this plan."""

    @property
    def changed(self) -> bool:
        return bool(self.lines_to_push)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "platform": self.platform, "status": self.status,
                "changed": self.changed, "implementations": list(self.implementations),
                "lines_to_push": list(self.lines_to_push), "diff": self.diff,
                "added": self.added, "removed": self.removed, "error": self.error}


@dataclass(frozen=True)
class PlanResult:
    execution_id: str
    workflow: str
    workflow_version: str
    catalog_revision: str
    status: str
    devices: tuple[DevicePlan, ...]

    @property
    def failed(self) -> list[DevicePlan]:
        return [d for d in self.devices if d.status == DeviceStatus.FAILED]

    def as_json(self) -> dict[str, Any]:
        return {"execution_id": self.execution_id, "kind": "plan", "workflow": self.workflow,
                "workflow_version": self.workflow_version,
                "catalog_revision": self.catalog_revision, "status": self.status,
                "devices": [d.as_json() for d in self.devices]}


def live_running_config(settings: Settings, sink: ev.EventSink, execution: list[str]
                        ) -> RunningConfigSource:
    """Read the running config from the device itself (read-only: no config mode)."""
    async def read(device: Device) -> str:
        def dialogue(line: DialogueLine) -> None:
            sink(ev.LogLine(execution_id=execution[0], device=line.device,
                            direction=line.direction, text=line.text))

        provider = provider_for(device, settings, on_dialogue=dialogue,
                                redactor=GLOBAL_REDACTOR)
        async with provider:
            return await provider.get_running_config()

    return read


def backup_running_config(store: Store, prefetch: Sequence[str] = ()) -> RunningConfigSource:
    """Read the running config from the device's latest stored backup (no SSH at all).

    With `prefetch`, the latest backups of those devices are read in one query on first use
    instead of one query per device."""
    cache: dict[str, str] = {}
    loaded = asyncio.Lock()

    async def read(device: Device) -> str:
        async with loaded:
            if prefetch and not cache:
                found_all = await store.latest_backups(list(prefetch))
                cache.update((name, record.config) for name, record in found_all.items())
        if device.name in cache:
            return cache[device.name]
        found = await store.latest_backups([device.name])
        if device.name not in found:
            raise BadInput(f"device {device.name}: no stored backup to plan from "
                           f"(take one with: nocdeck backup {device.name})")
        return found[device.name].config

    return read


def _owner() -> str:
    return f"{os.uname().nodename}:{os.getpid()}"


async def plan(
    request: PlanRequest,
    *,
    catalog: Catalog,
    inventory: Inventory,
    store: Store,
    settings: Settings,
    running: RunningConfigSource | None = None,
    sink: ev.EventSink = ev.discard,
    pool: ProviderPool | None = None,
    concurrency: int | None = None,
    retries: int = RunOptions.retries,
    backoff: float = RunOptions.backoff,
) -> PlanResult:
    """Plan `request` on every target and record it as an execution of kind `plan`.
    `concurrency`: devices read at once (default: the settings'; a run passes its own).
    `retries`, `backoff`: how a read that failed on a transient error is tried again (the
    defaults are a run's; a run passes its own).

    Raises BadInput (nothing read, nothing written) for a bad request; a device that cannot
    be read is recorded as failed and the others are still planned. With `pool`, each
    device's connection stays open in it for the run that follows (see engine.pool).
    """
    workflow = catalog.workflow(request.workflow)
    if not workflow.enabled:
        raise BadInput(f"workflow {workflow.slug} is disabled in the catalog "
                       f"({catalog.where('workflow', workflow.slug)})")
    # --device on a workflow with a device input: said before a schema error about that input
    check_target_options(workflow, devices=request.devices, filters=request.filters)
    inputs = catalog.coerce_inputs(workflow.slug, request.inputs)
    targets = select_targets(workflow, inputs, inventory, devices=request.devices,
                             filters=request.filters)
    for device in targets:
        if device.platform not in PLATFORMS:
            raise BadInput(f"device {device.name}: platform {device.platform!r} is not one "
                           f"nocdeck can plan for (known: {', '.join(PLATFORMS)})")
    requested_by = request.requested_by or settings.user
    owner = _owner()
    meta = RenderMeta(requested_by=requested_by)
    renderings = [_rendered(catalog, workflow, device, inputs, meta) for device in targets]

    record = await store.create_execution(
        kind="plan", workflow=workflow.slug, workflow_version=workflow.version,
        catalog_revision=catalog.revision, requested_by=requested_by, inputs=inputs,
        secret_inputs=workflow.secret_inputs, status=ExecutionStatus.RUNNING,
        devices=[d.name for d in targets], ticket=request.ticket, reason=request.reason,
        owner=owner, lease_seconds=PLAN_LEASE_SECONDS)
    execution_id = record.id
    if running is None and pool is not None:
        pool.backed_up_since = await store.newest_backup_id()
        kept = pool

        async def running_kept(device: Device) -> str:
            return await kept.read(device, sink, execution_id)

        running = running_kept
    renewer = asyncio.create_task(_keep_lease(store, execution_id, owner))
    try:
        return await _plan_targets(store, record.id, workflow.slug, workflow.version,
                                   catalog.revision, renderings, settings,
                                   running or live_running_config(settings, sink,
                                                                  [execution_id]), sink,
                                   pool=pool, concurrency=concurrency or settings.concurrency,
                                   retries=retries, backoff=backoff)
    finally:
        renewer.cancel()


def _rendered(catalog: Catalog, workflow: Workflow, device: Device,
              inputs: dict[str, Any], meta: RenderMeta) -> DeviceRendering:
    """One device's rendering; a template error names the device it failed for (the same
    template may render for others), and stops the whole plan before anything is read."""
    try:
        return render_device(catalog, workflow, device,
                             inputs_for_device(workflow, inputs, device), meta=meta)
    except RenderError as exc:
        raise RenderError(f"device {device.name}: {exc}") from None


async def _keep_lease(store: Store, execution_id: str, owner: str) -> None:
    """Renew the plan's lease while it runs, so that only a dead process's plan is ever
    marked interrupted by another process."""
    while True:
        await asyncio.sleep(PLAN_LEASE_SECONDS / 3)
        try:
            await store.renew_lease(execution_id, owner=owner, lease_seconds=PLAN_LEASE_SECONDS)
        except NocdeckError:  # the store is away; the plan's own writes will report it
            continue


async def _plan_targets(store: Store, execution_id: str, workflow: str, version: str,
                        revision: str, renderings: list[DeviceRendering], settings: Settings,
                        read: RunningConfigSource, sink: ev.EventSink,
                        pool: ProviderPool | None = None, concurrency: int = 20, *,
                        retries: int, backoff: float) -> PlanResult:
    sink(ev.RunStarted(execution_id=execution_id, workflow=workflow, kind="plan",
                       devices=tuple(r.device.name for r in renderings)))
    await store.add_steps(execution_id, [
        NewStep(order=step.order, name=step.step.name, step_type="task", device=r.device.name,
                status=StepStatus.SKIPPED if step.skipped else StepStatus.PENDING,
                implementation=step.implementation, rendered_content="\n".join(step.lines),
                inputs=step.inputs)
        for r in renderings for step in r.steps])

    gate = asyncio.Semaphore(concurrency)

    async def one(rendering: DeviceRendering) -> DevicePlan:
        async with gate:
            return await _plan_device(rendering, read, execution_id, sink, pool,
                                      retries=retries, backoff=backoff)

    device_plans = await asyncio.gather(*(one(r) for r in renderings))
    await store.update_devices(execution_id, [
        DeviceChange(p.name, status=p.status, changed=p.changed, diff=p.diff,
                     lines_to_push=p.lines_to_push, error=p.error) for p in device_plans])
    failed = [p for p in device_plans if p.status == DeviceStatus.FAILED]
    status = ExecutionStatus.FAILED if failed else ExecutionStatus.PLANNED
    error = f"{len(failed)} of {len(device_plans)} devices could not be planned" if failed \
        else None
    await store.set_status(execution_id, status, error=error)
    sink(ev.RunFinished(execution_id=execution_id, status=status, error=error))
    return PlanResult(execution_id, workflow, version, revision, status, tuple(device_plans))


async def _plan_device(rendering: DeviceRendering, read: RunningConfigSource,
                       execution_id: str, sink: ev.EventSink,
                       pool: ProviderPool | None = None, *, retries: int,
                       backoff: float) -> DevicePlan:
    device = rendering.device
    implementations = tuple(s.implementation for s in rendering.steps if s.implementation)
    sink(ev.DeviceStatusChanged(execution_id=execution_id, device=device.name,
                                status=DeviceStatus.RUNNING))
    try:
        try:
            running = await read(device)
        except TRANSIENT_ERRORS as exc:
            def note(text: str) -> None:
                sink(ev.LogLine(execution_id=execution_id, device=device.name,
                                direction="info", text=GLOBAL_REDACTOR.mask(text)))

            running = await retry_transient(lambda: read(device), exc, retries=retries,
                                            backoff=backoff, note=note)
    except NocdeckError as exc:
        sink(ev.DeviceStatusChanged(execution_id=execution_id, device=device.name,
                                    status=DeviceStatus.FAILED))
        return DevicePlan(device.name, device.platform, DeviceStatus.FAILED, implementations,
                          error=GLOBAL_REDACTOR.mask(str(exc)), rendering=rendering)
    try:
        change = preview(device.platform, running, rendering.candidate)
    except NocdeckError as exc:
        sink(ev.DeviceStatusChanged(execution_id=execution_id, device=device.name,
                                    status=DeviceStatus.FAILED))
        return DevicePlan(device.name, device.platform, DeviceStatus.FAILED, implementations,
                          error=GLOBAL_REDACTOR.mask(f"{device.name}: {exc}"),
                          rendering=rendering)
    if pool is not None:
        pool.remember(rendering, running, change)
    masked = change.diff.masked(GLOBAL_REDACTOR)
    unified = masked.unified(fromfile=f"{device.name} running", tofile=f"{device.name} intended")
    push = tuple(GLOBAL_REDACTOR.mask_line(line) for line in change.push)
    status = DeviceStatus.PLANNED if push else DeviceStatus.NO_CHANGE
    sink(ev.DiffReady(execution_id=execution_id, device=device.name, diff=unified,
                      lines_to_push=push, added=masked.added, removed=masked.removed))
    sink(ev.DeviceStatusChanged(execution_id=execution_id, device=device.name, status=status))
    return DevicePlan(device.name, device.platform, status, implementations, push, unified,
                      masked.added, masked.removed, rendering=rendering)
