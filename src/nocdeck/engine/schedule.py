"""Which device starts when: bounded concurrency, the canary first, then batches one after
the other, the failure budget counted across them, and cancellation (no new device starts;
running ones finish or roll back)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from nocdeck.engine import events as ev
from nocdeck.engine.devicerun import DeviceJob, RunScope
from nocdeck.engine.runmodel import CancelToken, DeviceResult
from nocdeck.store import DeviceStatus, StepStatus
from nocdeck.store.types import utcnow
from nocdeck.wording import counted

Confirm = Callable[[str], Awaitable[bool]]


async def change_devices(scope: RunScope, jobs: Sequence[DeviceJob], cancel: CancelToken,
                         confirm_canary: Confirm | None, concurrency: int,
                         work: Callable[[DeviceJob], Awaitable[DeviceResult]]
                         ) -> list[DeviceResult]:
    gate = asyncio.Semaphore(max(1, concurrency))
    budget = scope.options.max_fail
    total = len(jobs)
    failed = 0
    stopped = ""

    def note(text: str) -> None:
        scope.sink(ev.LogLine(execution_id=scope.execution_id, direction="info", text=text))

    async def one(job: DeviceJob) -> DeviceResult:
        nonlocal failed, stopped
        async with gate:
            if cancel.cancelled or stopped:
                return await _not_started(scope, job, cancel.reason or stopped)
            result = await work(job)
            if result.status in (DeviceStatus.FAILED, DeviceStatus.ROLLED_BACK):
                failed += 1
                if budget.exceeded(failed, total) and not stopped:
                    stopped = (f"failure budget exceeded: {failed} of "
                               f"{counted(total, 'device')} failed "
                               f"(--max-fail {budget.describe()})")
                    note(stopped + "; no new device starts")
            return result

    canary = list(jobs[:scope.options.canary]) if scope.options.canary else []
    rest = list(jobs[len(canary):])
    results = list(await asyncio.gather(*(one(job) for job in canary)))
    if canary and rest:
        names = tuple(job.rendering.device.name for job in canary)
        scope.sink(ev.CanaryDone(execution_id=scope.execution_id, devices=names, failed=failed))
        if failed and not stopped:
            stopped = f"the canary failed on {failed} of {counted(len(canary), 'device')}"
            note(stopped + "; no other device starts")
        elif not stopped and confirm_canary is not None and not await confirm_canary(
                f"canary done on {', '.join(names)}: change the other "
                f"{counted(len(rest), 'device')}?"):
            stopped = "stopped after the canary"
    size = scope.options.batch.size(len(rest))
    batches = [rest[start:start + size] for start in range(0, len(rest), size)]
    for number, batch in enumerate(batches, start=1):
        if len(batches) > 1 and not (cancel.cancelled or stopped):
            note(f"batch {number} of {len(batches)}: "
                 f"{', '.join(job.rendering.device.name for job in batch)}"
                 + (f" ({failed} failed so far)" if failed else ""))
        results += await asyncio.gather(*(one(job) for job in batch))
    return results


async def _not_started(scope: RunScope, job: DeviceJob, why: str) -> DeviceResult:
    name = job.rendering.device.name
    await scope.store.update_device(scope.execution_id, name, status=DeviceStatus.CANCELLED,
                                    error=f"not started: {why}", finished_at=utcnow())
    for step_id in job.step_ids.values():
        await scope.store.update_step(step_id, status=StepStatus.CANCELLED)
    scope.sink(ev.DeviceStatusChanged(execution_id=scope.execution_id, device=name,
                                      status=DeviceStatus.CANCELLED))
    return DeviceResult(name, DeviceStatus.CANCELLED, False, error=f"not started: {why}")
