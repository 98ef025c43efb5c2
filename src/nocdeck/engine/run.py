"""The workflow runner: plan, approval gate, claim, execute across devices, record.

`run()` is the whole path for one caller; the pieces (`prepare_run`, `submit_run`,
`execute_approved`) let the CLI confirm between the plan and the gate, and let the
approver's process execute a run nobody waits for. Exactly one process executes a run: it
must move the run from `pending` to `running` in the store (compare-and-set), and then
renews its lease while it works; a process that dies stops renewing and recovery marks the
run `interrupted`. The CLI and the TUI see a run only through `nocdeck.engine.events`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nocdeck.catalog import Catalog, RenderMeta, Workflow
from nocdeck.config import Settings
from nocdeck.engine import events as ev
from nocdeck.engine.devicerun import DeviceJob, DeviceRun, RunScope
from nocdeck.engine.nautobotrun import nautobot_client_for
from nocdeck.engine.plan import PlanRequest, PlanResult, plan
from nocdeck.engine.pool import ProviderPool
from nocdeck.engine.render import render_device
from nocdeck.engine.runmodel import (
    CancelToken,
    DeviceResult,
    RunOptions,
    RunRequest,
    RunResult,
    process_owner,
)
from nocdeck.engine.targets import inputs_for_device
from nocdeck.errors import BadInput, CredentialError, NocdeckError, WorkFailed
from nocdeck.inventory.models import Inventory
from nocdeck.redaction import GLOBAL_REDACTOR, MASK_CHAR
from nocdeck.store import (
    DeviceChange,
    DeviceStatus,
    ExecutionDetail,
    ExecutionStateConflict,
    ExecutionStatus,
    NewStep,
    Store,
)
from nocdeck.store.types import mask_json

POLL_SECONDS = 0.5
WAITER_LEASE = 7 * 24 * 3600.0
"""The requester's "I am waiting for the decision" mark; cleared when it stops waiting."""

Confirm = Callable[[str], Awaitable[bool]]
"""Asked a yes/no question (the canary went well: go on?); True to go on."""


def needs_approval(workflow: Workflow) -> bool:
    return workflow.approval_required or any(s.step_type == "approval" for s in workflow.steps)


@dataclass(frozen=True)
class PreparedRun:
    execution_id: str
    plan: PlanResult
    approval_required: bool

    @property
    def changes(self) -> int:
        return sum(1 for d in self.plan.devices if d.changed)


async def prepare_run(request: RunRequest, *, catalog: Catalog, inventory: Inventory,
                      store: Store, settings: Settings, sink: ev.EventSink = ev.discard,
                      retry_of: str | None = None, pool: ProviderPool | None = None
                      ) -> PreparedRun:
    """Plan the request and record the run (`pending`) with its devices, diffs and steps.

    A device that cannot be planned fails the request (WorkFailed) before any run exists.
    """
    # A workflow that changes Nautobot needs the Nautobot inventory: refused before the plan.
    nautobot_client_for(catalog, catalog.workflow(request.workflow), inventory)
    result = await plan(PlanRequest(request.workflow, request.inputs, request.devices,
                                    request.filters, request.requested_by, request.ticket,
                                    request.reason), catalog=catalog, inventory=inventory,
                        store=store, settings=settings, sink=sink, pool=pool,
                        concurrency=request.options.concurrency,
                        retries=request.options.retries, backoff=request.options.backoff)
    if result.failed:  # a device's error names it already
        raise WorkFailed("could not plan " + "; ".join(
            d.error if d.error and d.error.startswith(f"{d.name}: ") else f"{d.name}: {d.error}"
            for d in result.failed))
    workflow = catalog.workflow(result.workflow)
    inputs = catalog.coerce_inputs(workflow.slug, request.inputs)
    context: dict[str, Any] = {"plan_id": result.execution_id,
                               "options": request.options.as_json()}
    if retry_of:
        context["retry_of"] = retry_of
    record = await store.create_execution(
        kind="run", workflow=workflow.slug, workflow_version=workflow.version,
        catalog_revision=catalog.revision, requested_by=request.requested_by or settings.user,
        inputs=inputs, secret_inputs=workflow.secret_inputs, status=ExecutionStatus.PENDING,
        devices=[d.name for d in result.devices], ticket=request.ticket, reason=request.reason,
        context=context)
    await store.update_devices(record.id, [
        DeviceChange(d.name, status=DeviceStatus.PENDING if d.changed else DeviceStatus.NO_CHANGE,
                     changed=False, diff=d.diff, lines_to_push=d.lines_to_push)
        for d in result.devices])
    order = workflow.execution_order()
    await store.add_steps(record.id, [
        NewStep(order=number, name=step.name, step_type=step.step_type, device=d.name,
                status="pending" if d.changed else "skipped",
                implementation=_implementation(d.rendering, number),
                rendered_content=_rendered(d.rendering, number),
                inputs=_step_inputs(d.rendering, number))
        for d in result.devices for number, step in enumerate(order, start=1)])
    return PreparedRun(record.id, result, needs_approval(workflow))


def _implementation(rendering: Any, order: int) -> str | None:
    for step in rendering.steps if rendering else ():
        if step.order == order:
            return str(step.implementation) if step.implementation else None
    return None


def _step_inputs(rendering: Any, order: int) -> dict[str, Any] | None:
    """A task step's inputs as the plan rendered them (its `input_mapping` evaluated; a
    secret input still its `cred:` reference), as JSON, every string masked."""
    for step in rendering.steps if rendering else ():
        if step.order == order and not step.skipped:
            masked: dict[str, Any] = mask_json(json.loads(json.dumps(dict(step.inputs),
                                                                   default=str)))
            return masked
    return None


def _rendered(rendering: Any, order: int) -> str | None:
    for step in rendering.steps if rendering else ():
        if step.order == order and step.lines:
            return "\n".join(GLOBAL_REDACTOR.mask_line(line) for line in step.lines)
    return None


async def submit_run(execution_id: str, *, catalog: Catalog, inventory: Inventory,
                     store: Store, settings: Settings, sink: ev.EventSink = ev.discard,
                     wait: bool = True, cancel: CancelToken | None = None,
                     confirm_canary: Confirm | None = None,
                     approval_timeout: float | None = None,
                     pool: ProviderPool | None = None) -> RunResult:
    """Take a prepared run through the approval gate (waiting, unless `wait` is False) and
    execute it in this process, unless another process claimed it first. `pool`: the plan's
    open connections, used only when no approval wait came between."""
    detail = await store.get_execution(execution_id, texts=False)
    record = detail.execution
    workflow = catalog.workflow(record.workflow)
    if not any(d.status == DeviceStatus.PENDING for d in detail.devices):
        await store.set_status(execution_id, ExecutionStatus.COMPLETED,
                               expected={ExecutionStatus.PENDING})
        sink(ev.RunFinished(execution_id=execution_id, status=ExecutionStatus.COMPLETED))
        return await result_of(store, execution_id)
    owner = process_owner(settings)
    if needs_approval(workflow):
        pool = None  # connections kept across an approval wait would be stale, or gone
        await store.set_status(execution_id, ExecutionStatus.AWAITING_APPROVAL,
                               expected={ExecutionStatus.PENDING}, owner=owner,
                               lease_seconds=WAITER_LEASE if wait else 0)
        sink(ev.ApprovalNeeded(execution_id=execution_id, workflow=workflow.slug,
                               requested_by=record.requested_by))
        if not wait:
            return await result_of(store, execution_id)
        status = await _await_decision(store, execution_id, approval_timeout)
        if status != ExecutionStatus.PENDING:
            sink(ev.RunFinished(execution_id=execution_id, status=status))
            return await result_of(store, execution_id)
    if not await claim(store, execution_id, owner, RunOptions.from_json(
            (record.context or {}).get("options")).lease_seconds):
        return await follow(store, execution_id)
    # Without an approval wait, nothing but the claim changed the run since it was read.
    return await execute(execution_id, catalog=catalog, inventory=inventory, store=store,
                         settings=settings, sink=sink, cancel=cancel,
                         confirm_canary=confirm_canary, pool=pool,
                         read=None if needs_approval(workflow) else detail)


async def _await_decision(store: Store, execution_id: str, limit: float | None) -> str:
    """Poll the store until someone approves, rejects or cancels the run."""
    loop = asyncio.get_running_loop()
    deadline = None if limit is None else loop.time() + limit
    try:
        while True:
            record = (await store.get_execution(execution_id, texts=False)).execution
            if record.status != ExecutionStatus.AWAITING_APPROVAL:
                return record.status
            if deadline is not None and loop.time() > deadline:
                raise WorkFailed(f"execution {execution_id}: no decision within {limit:g} s; "
                                 f"it still awaits approval (nocdeck approve {execution_id})")
            await asyncio.sleep(POLL_SECONDS)
    finally:
        with contextlib.suppress(NocdeckError):  # no longer waiting: the approver executes
            await asyncio.shield(store.set_status(
                execution_id, ExecutionStatus.AWAITING_APPROVAL,
                expected={ExecutionStatus.AWAITING_APPROVAL}, lease_seconds=0))


async def claim(store: Store, execution_id: str, owner: str, lease_seconds: float) -> bool:
    """Become the one process that executes this run (False: another one did)."""
    try:
        await store.set_status(execution_id, ExecutionStatus.RUNNING,
                               expected={ExecutionStatus.PENDING}, owner=owner,
                               lease_seconds=lease_seconds)
    except ExecutionStateConflict:
        return False
    return True


async def follow(store: Store, execution_id: str, limit: float = 3600.0) -> RunResult:
    """Wait for the process executing the run to finish it; its result."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while loop.time() < deadline:
        record = (await store.get_execution(execution_id, texts=False)).execution
        if record.status not in (ExecutionStatus.RUNNING, ExecutionStatus.PENDING):
            break
        await asyncio.sleep(POLL_SECONDS)
    return await result_of(store, execution_id)


async def execute_approved(execution_id: str, *, catalog: Catalog, inventory: Inventory,
                           store: Store, settings: Settings, sink: ev.EventSink = ev.discard,
                           grace: float = 5.0, cancel: CancelToken | None = None) -> RunResult:
    """In the approver's process: let a waiting requester claim the run for `grace` seconds,
    else claim and execute it here. Returns the result, or None-like `pending`/`running`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while loop.time() < deadline:
        record = (await store.get_execution(execution_id, texts=False)).execution
        if record.status != ExecutionStatus.PENDING:
            return await result_of(store, execution_id)
        await asyncio.sleep(POLL_SECONDS / 2)
    record = (await store.get_execution(execution_id, texts=False)).execution
    options = RunOptions.from_json((record.context or {}).get("options"))
    if not await claim(store, execution_id, process_owner(settings), options.lease_seconds):
        return await result_of(store, execution_id)
    return await execute(execution_id, catalog=catalog, inventory=inventory, store=store,
                         settings=settings, sink=sink, cancel=cancel)


def resolve_secret_inputs(workflow: Workflow, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """`cred:NAME` secret inputs become their secret, now (push time), registered for masking."""
    from nocdeck.credentials.store import session_store

    resolved = dict(inputs)
    for name in workflow.secret_inputs:
        value = resolved.get(name)
        if not isinstance(value, str) or not value:
            continue
        if value.startswith(MASK_CHAR):
            raise BadInput(f"input {name}: the secret was not stored; request the run again "
                           "with a cred: reference")
        if value.startswith("cred:"):
            found = session_store().resolve(value.removeprefix("cred:"))
            if not found.password:
                raise CredentialError(f"input {name}: credential {value!r} has no secret")
            GLOBAL_REDACTOR.add_secret(found.password)
            resolved[name] = found.password
    return resolved


async def execute(execution_id: str, *, catalog: Catalog, inventory: Inventory, store: Store,
                  settings: Settings, sink: ev.EventSink = ev.discard,
                  cancel: CancelToken | None = None,
                  confirm_canary: Confirm | None = None,
                  pool: ProviderPool | None = None,
                  read: ExecutionDetail | None = None) -> RunResult:
    """Execute a claimed run on its devices; the run must be `running` and ours. `pool`:
    the plan's open connections, taken over device by device (see engine.pool). `read`:
    the run as read just before this process claimed it, when nothing else could change
    it since (its devices and steps are as planned): not read again."""
    from nocdeck.engine.heartbeat import heartbeat
    from nocdeck.engine.schedule import change_devices

    cancel = cancel or CancelToken()
    detail = read or await store.get_execution(execution_id, texts=False)
    record = detail.execution
    options = RunOptions.from_json((record.context or {}).get("options"))
    try:
        workflow = catalog.workflow(record.workflow)
        if catalog.revision != record.catalog_revision:
            raise BadInput(f"execution {execution_id} was planned and approved on catalog "
                           f"{record.catalog_revision}; the catalog is now {catalog.revision}: "
                           "refused (the approved plan is what runs) - plan it again")
        nautobot = nautobot_client_for(catalog, workflow, inventory)
        inputs = resolve_secret_inputs(workflow, record.inputs)
        meta = RenderMeta(requested_by=record.requested_by, execution_id=execution_id)
        steps: dict[tuple[str | None, int], int] = {(s.device, s.order): s.id
                                                    for s in detail.steps}
        jobs = []
        for target in detail.devices:
            if target.status != DeviceStatus.PENDING:
                continue
            device = inventory.get(target.name)
            if device is None:
                raise BadInput(f"execution {execution_id}: device {target.name} is no longer "
                               "in the inventory")
            # The plan's rendering, in this same process, unless secret inputs (rendered
            # only now, at push time) make the run's lines differ from the plan's.
            planned = pool.rendering(target.name) if pool is not None \
                and not workflow.secret_inputs else None
            rendering = planned if planned is not None and planned.device is device \
                else render_device(catalog, workflow, device,
                                   inputs_for_device(workflow, inputs, device), meta=meta)
            jobs.append(DeviceJob(rendering, target.lines_to_push,
                                  {o: i for (d, o), i in steps.items() if d == target.name}))
    except NocdeckError as exc:
        await store.set_status(execution_id, ExecutionStatus.FAILED,
                               error=GLOBAL_REDACTOR.mask(str(exc)))
        sink(ev.RunFinished(execution_id=execution_id, status=ExecutionStatus.FAILED,
                            error=str(exc)))
        raise
    sink(ev.RunStarted(execution_id=execution_id, workflow=workflow.slug, kind="run",
                       devices=tuple(j.rendering.device.name for j in jobs)))
    scope = RunScope(store, catalog, workflow, settings, execution_id, inputs, meta, options,
                     holder=settings.user, approved_by=record.approved_by, sink=sink,
                     pool=pool, nautobot=nautobot)
    beat = asyncio.create_task(heartbeat(store, execution_id, process_owner(settings),
                                         settings.user, options.lease_seconds, cancel))
    try:
        results = await change_devices(scope, jobs, cancel, confirm_canary,
                                       options.concurrency or settings.concurrency,
                                       lambda job: DeviceRun(scope, job).run())
    finally:
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beat
    return await _finish(store, execution_id, results, cancel, sink)


async def _finish(store: Store, execution_id: str, results: list[DeviceResult],
                  cancel: CancelToken, sink: ev.EventSink) -> RunResult:
    bad = [r for r in results if r.status in (DeviceStatus.FAILED, DeviceStatus.ROLLED_BACK)]
    skipped = [r for r in results if r.status == DeviceStatus.CANCELLED]
    if bad:
        status, error = ExecutionStatus.FAILED, f"{len(bad)} of {len(results)} devices failed"
    elif skipped:
        status = ExecutionStatus.CANCELLED
        error = f"{len(skipped)} devices not started: {cancel.reason or 'stopped'}"
    else:
        status, error = ExecutionStatus.COMPLETED, None
    try:
        await store.set_status(execution_id, status, error=error,
                               expected={ExecutionStatus.RUNNING})
    except ExecutionStateConflict as exc:
        error = f"{error or ''} (the run was meanwhile marked {exc.actual})".strip()
    sink(ev.RunFinished(execution_id=execution_id, status=status, error=error))
    return await result_of(store, execution_id)


async def result_of(store: Store, execution_id: str) -> RunResult:
    """The run as recorded now."""
    detail = await store.get_execution(execution_id, texts=False)
    record = detail.execution
    return RunResult(execution_id, record.workflow, record.status, tuple(
        DeviceResult(d.name, d.status, d.changed, d.pushed_lines, d.error, d.outcome)
        for d in detail.devices), record.error)


async def run(request: RunRequest, *, catalog: Catalog, inventory: Inventory, store: Store,
              settings: Settings, sink: ev.EventSink = ev.discard,
              confirm: Callable[[PreparedRun], Awaitable[bool]] | None = None,
              confirm_canary: Confirm | None = None, wait: bool = True,
              cancel: CancelToken | None = None, approval_timeout: float | None = None,
              retry_of: str | None = None) -> RunResult:
    """Plan, confirm (when `confirm` is given), gate, execute and record one request."""
    from nocdeck.engine.recovery import recover_interrupted

    await recover_interrupted(store, inventory=inventory, settings=settings, sink=sink)
    # One connection per device: the plan's, kept for the execution when no approval waits
    # between them (with one, the run may execute hours later, or in another process).
    pool = None if needs_approval(catalog.workflow(request.workflow)) \
        else ProviderPool(settings)
    try:
        prepared = await prepare_run(request, catalog=catalog, inventory=inventory,
                                     store=store, settings=settings, sink=sink,
                                     retry_of=retry_of, pool=pool)
        if confirm is not None and prepared.changes and not await confirm(prepared):
            await store.set_status(prepared.execution_id, ExecutionStatus.CANCELLED,
                                   expected={ExecutionStatus.PENDING}, error="not confirmed")
            return await result_of(store, prepared.execution_id)
        return await submit_run(prepared.execution_id, catalog=catalog, inventory=inventory,
                                store=store, settings=settings, sink=sink, wait=wait,
                                cancel=cancel, confirm_canary=confirm_canary,
                                approval_timeout=approval_timeout, pool=pool)
    finally:
        if pool is not None:
            await pool.close()
