"""One device's part of a run: lock, back up, run the workflow's steps, roll back, record.

Every state change is committed to the store before the next action: the intent of a push
(the lines) is in the record before the first byte is sent, so a crash leaves a record that
says how far it got. A failing step does what its `on_failure` says; with the workflow's
`rollback_on_failure`, what was applied is undone by pushing its inverse.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from nocdeck.catalog import Catalog, RenderMeta, Workflow, WorkflowStep
from nocdeck.catalog.steps import (
    ConditionStepConfig,
    DeviceCheck,
    NotificationStepConfig,
    WaitStepConfig,
)
from nocdeck.config import Settings
from nocdeck.engine import events as ev
from nocdeck.engine.configtext import ConfigChange, inverse, merge, preview
from nocdeck.engine.locks import LockBatch, take_device
from nocdeck.engine.nautobotrun import is_nautobot_type
from nocdeck.engine.notify import post_webhook
from nocdeck.engine.pool import ProviderPool
from nocdeck.engine.recorder import RecordWriter
from nocdeck.engine.render import (
    DeviceRendering,
    RenderedStep,
    render_device,
    step_applies,
    step_context,
)
from nocdeck.engine.runmodel import DeviceResult, RunOptions
from nocdeck.engine.session import DeviceSession
from nocdeck.engine.stepkinds import run_check, wait_step
from nocdeck.engine.targets import inputs_for_device
from nocdeck.errors import BadInput, ChangeRejected, NocdeckError, StoreError, WorkFailed
from nocdeck.providers.base import Provider
from nocdeck.redaction import GLOBAL_REDACTOR
from nocdeck.store import DeviceStatus, StepStatus, Store
from nocdeck.store.progress import DeviceProgress
from nocdeck.store.types import utcnow
from nocdeck.wording import counted

if TYPE_CHECKING:  # a run without Nautobot steps never imports the client (httpx)
    from nocdeck.inventory.nautobot.actions import ActionResult
    from nocdeck.inventory.nautobot.client import NautobotClient


@dataclass
class RunScope:
    """What every device of one run shares."""

    store: Store
    catalog: Catalog
    workflow: Workflow
    settings: Settings
    execution_id: str
    inputs: Mapping[str, Any]
    meta: RenderMeta
    options: RunOptions
    holder: str
    approved_by: str | None
    sink: ev.EventSink
    pool: ProviderPool | None = None
    """The plan's open connections (and reads), when nothing waited since the plan."""
    nautobot: NautobotClient | None = None
    """For `api_call` / `graphql_query` steps (engine.nautobotrun.nautobot_client_for)."""
    writer: RecordWriter = field(init=False)
    locks: LockBatch = field(init=False)
    """The devices that start together are locked in one transaction."""

    def __post_init__(self) -> None:
        self.writer = RecordWriter(self.store)
        self.locks = LockBatch(self.store, self.writer.gate)


@dataclass
class DeviceJob:
    rendering: DeviceRendering
    approved_lines: tuple[str, ...]
    step_ids: Mapping[int, int]
    """Step order -> the step's record id."""
    inputs: Mapping[str, Any] = field(default_factory=dict)


def _masked(lines: Sequence[str]) -> tuple[str, ...]:
    return tuple(GLOBAL_REDACTOR.mask_line(line) for line in lines)


class DeviceRun:
    def __init__(self, scope: RunScope, job: DeviceJob) -> None:
        self.scope = scope
        self.job = job
        self.device = job.rendering.device
        self.name = self.device.name
        self.session = DeviceSession(self.device, scope.settings,
                                     execution_id=scope.execution_id, sink=scope.sink,
                                     retries=scope.options.retries, backoff=scope.options.backoff)
        self._running = ""
        self._unmerged: list[tuple[str, ...]] = []
        """Pushes not yet merged into `_running`: merged when a later step asks for it."""
        self.before = ""
        self.pushed: list[str] = []
        self.pushed_masked: tuple[str, ...] = ()
        """`pushed` as the record shows it."""
        self.step_outputs: dict[str, Any] = {}
        self.mapped: dict[str, Any] = {}
        self.went_on: list[str] = []
        """Steps that failed and whose `on_failure` let the device go on: said at its end."""
        self.junos_unconfirmed = False
        self.nautobot: list[tuple[int, ActionResult]] = []
        """(step order, what it did in Nautobot): reverted if the push fails."""
        self.locked = False
        """The device's lock is ours (given back with the final status)."""
        self.previewed: tuple[str, tuple[str, ...], ConfigChange] | None = None
        """The last preview (running config, lines, change): the same one is not redone."""
        self.pending = DeviceProgress(scope.execution_id, self.name)
        """Writes not yet committed: committed together before the next action."""
        self.session.before_action = self._flush

    @property
    def running(self) -> str:
        """The device's config as the run believes it now: the backup plus what was pushed
        (merged on first use: a one-step workflow never needs it)."""
        for lines in self._unmerged:
            self._running = merge(self.device.platform, self._running, lines)
        self._unmerged.clear()
        return self._running

    @running.setter
    def running(self, text: str) -> None:
        self._running, self._unmerged = text, []

    # -- recording ---------------------------------------------------------------------
    async def _flush(self) -> None:
        """Commit the pending writes (with the dialogue so far) before the next action."""
        self.pending.append_dialogue += self.session.take_dialogue()
        progress, self.pending = self.pending, DeviceProgress(self.scope.execution_id,
                                                              self.name)
        await self.scope.writer.write(progress)

    def _later(self, **values: Any) -> None:
        self.pending.change.update(values)
        if "status" in values:
            self.scope.sink(ev.DeviceStatusChanged(execution_id=self.scope.execution_id,
                                                   device=self.name, status=values["status"]))

    async def _device(self, **values: Any) -> None:
        self._later(**values)
        await self._flush()

    def _step(self, order: int, step: WorkflowStep, status: str, **values: Any) -> None:
        """Record a step's status with the device's next commit (before its next action)."""
        self.pending.steps.append((self.job.step_ids[order], {"status": status, **values}))
        if status == StepStatus.RUNNING:
            self.scope.sink(ev.StepStarted(execution_id=self.scope.execution_id,
                                           device=self.name, step=step.name,
                                           step_type=step.step_type))
        else:
            self.scope.sink(ev.StepFinished(execution_id=self.scope.execution_id,
                                            device=self.name, step=step.name, status=status,
                                            error=values.get("error")))

    # -- the device's run --------------------------------------------------------------
    async def run(self) -> DeviceResult:
        scope = self.scope
        planned = scope.pool.take(self.name, self.session.on_dialogue) if scope.pool else None
        if planned is not None:
            self.session.adopt(planned.provider)
        self._later(status=DeviceStatus.RUNNING, started_at=utcnow())
        try:
            stale = await take_device(
                scope.store, self.name, holder=scope.holder, execution_id=scope.execution_id,
                lease_seconds=scope.options.lease_seconds, mode=scope.options.lock,
                wait_limit=scope.options.lock_timeout, sink=scope.sink, batch=scope.locks,
                backed_up_since=scope.pool.backed_up_since if planned and scope.pool else None)
        except NocdeckError as exc:  # refused or not free in time: none of its steps runs
            await self.session.close()
            self._skip_all(StepStatus.CANCELLED, 0)
            return await self._finish(DeviceStatus.FAILED, GLOBAL_REDACTOR.mask(str(exc)))
        self.locked = True
        try:
            if planned is not None and not stale and planned.planned is not None:
                self.previewed = (planned.running, *planned.planned)
            return await self._locked(None if planned is None or stale else planned.running)
        finally:
            await self.session.close()
            if self.locked:
                await scope.writer.exclusive(lambda: scope.store.release_lock(
                    self.name, holder=scope.holder, execution_id=scope.execution_id))

    async def _locked(self, planned: str | None) -> DeviceResult:
        """The device's work once it is ours; `planned` is the running config the plan read
        in this same session (nobody changed the device since), used as the backup."""
        scope = self.scope
        try:
            if planned is None:
                self.before = await self.session.call(lambda p: p.get_running_config())
            else:
                self.before = planned
                self.session.note("backup: the running config read by the plan, in this "
                                  "session (no run changed the device since)")
            self.pending.backups["backup_before_id"] = (self.before, "pre-change")
        except NocdeckError as exc:
            return await self._finish(DeviceStatus.FAILED, GLOBAL_REDACTOR.mask(str(exc)))
        self.running = self.before
        now = _masked(self._preview(self.before, self.job.rendering.candidate).push)
        if not now:
            self.session.note("already in the intended state: nothing to push")
            self._skip_all(StepStatus.SKIPPED, 0)
            return await self._finish(DeviceStatus.NO_CHANGE, None)
        if now != self.job.approved_lines:
            self._skip_all(StepStatus.CANCELLED, 0)
            return await self._finish(DeviceStatus.FAILED, (
                f"{self.name}: the running config changed since the plan was approved (it "
                f"would now push {counted(len(now), 'line')}, not the "
                f"{len(self.job.approved_lines)} approved); nothing pushed - plan and request "
                "again"))
        error = await self._steps()
        if error is not None and self.nautobot and scope.workflow.rollback_on_failure:
            error = await self._revert_nautobot(error)
        if error is None:
            if self.junos_unconfirmed:
                await self.session.call(lambda p: p.confirm_commit())
                self.session.note("post-checks passed: commit confirmed" if not self.went_on
                                  else "commit confirmed, though a step failed and its "
                                  "on_failure went on")
            error = await self._save()
        if error is None:
            # A failure the workflow chose to go on after is no error, but it is not hidden.
            return await self._finish(DeviceStatus.COMPLETED, "; ".join(self.went_on) or None,
                                      **await self._read_back())
        if self.pushed and scope.workflow.rollback_on_failure:
            return await self._rollback(error)
        if self.junos_unconfirmed:
            self.session.note(f"not confirmed: Junos rolls the change back by itself in "
                              f"{scope.workflow.junos_commit_confirmed_minutes} minutes")
        return await self._finish(DeviceStatus.FAILED, error)

    async def _save(self) -> str | None:
        """`write memory` once, after every step and check passed (`save_config: true`), so
        a change that fails its checks never reaches the startup config; the error if the
        device refuses (a commit is what persists on Junos: nothing to do there)."""
        if not (self.scope.workflow.save_config and self.pushed):
            return None
        try:
            await self.session.call(lambda p: p.save_config())
        except NocdeckError as exc:
            return (f"{self.name}: the change passed its checks but was not saved: "
                    f"{GLOBAL_REDACTOR.mask(str(exc))}")
        return None

    async def _finish(self, status: str, error: str | None, **values: Any) -> DeviceResult:
        if self.locked:  # given back in the same transaction as the final status
            self.pending.release_lock = self.scope.holder
            self.locked = False
        await self._device(status=status, error=error, finished_at=utcnow(),
                           changed=bool(self.pushed), **values)
        return DeviceResult(self.name, status, bool(self.pushed), self.pushed_masked, error)

    def _skip_all(self, status: str, after: int) -> None:
        for rendered_order in sorted(self.job.step_ids):
            if rendered_order > after:
                self.pending.steps.append((self.job.step_ids[rendered_order],
                                           {"status": status}))

    async def _steps(self) -> str | None:
        """Run every step in order; the error that stops the device, or None."""
        scope = self.scope
        workflow = scope.workflow
        positions = {id(step): index for index, step in enumerate(workflow.steps)}
        skip_rest = False
        for order, step in enumerate(workflow.execution_order(), start=1):
            index = positions[id(step)]
            # Re-read each step: a Nautobot step re-renders the ones after it.
            rendered = {r.order: r for r in self.job.rendering.steps}
            context = step_context(self.device, scope.inputs, meta=scope.meta,
                                   outputs=self.mapped, steps=self.step_outputs)
            if skip_rest or not step_applies(scope.catalog, workflow, index, step, context):
                self._step(order, step, StepStatus.SKIPPED)
                continue
            self._step(order, step, StepStatus.RUNNING)
            if step.step_type != "task":  # a task's first device action commits it
                await self._flush()
            try:
                outputs = await self._one(order, index, step, rendered.get(order), context)
            except NocdeckError as exc:
                error = GLOBAL_REDACTOR.mask(str(exc))
                if not error.startswith(self.name):
                    error = f"{self.name}: {error}"
                self._step(order, step, StepStatus.FAILED, error=error,
                                 attempts=max(1, self.session.attempts))
                if step.on_failure in ("continue", "skip_remaining"):
                    self.went_on.append(f"step {step.name!r} failed (on_failure: "
                                        f"{step.on_failure}): {error}")
                    skip_rest = skip_rest or step.on_failure == "skip_remaining"
                    continue
                self._skip_all(StepStatus.CANCELLED, order)
                return error
            self.step_outputs[step.name] = outputs
            for name, template in step.output_mapping.items():
                self.mapped[name] = scope.catalog.evaluate(
                    "workflow", workflow.slug, template, {**context, "outputs": outputs},
                    "steps", index, "output_mapping", name)
            self._step(order, step, StepStatus.COMPLETED, outputs=outputs,
                             attempts=max(1, self.session.attempts))
            if isinstance(step.typed_config, ConditionStepConfig) and not outputs["result"]:
                skip_rest = True
        return None

    async def _one(self, order: int, index: int, step: WorkflowStep,
                   rendered: RenderedStep | None, context: dict[str, Any]) -> dict[str, Any]:
        scope = self.scope
        self.session.attempts = 0
        where = scope.catalog.where("workflow", scope.workflow.slug, "steps", index)
        config = step.typed_config
        if step.step_type == "task":
            return await self._task(rendered)
        if step.step_type == "approval":
            return {"approved_by": scope.approved_by}
        if isinstance(config, ConditionStepConfig):
            result = bool(scope.catalog.test("workflow", scope.workflow.slug, config.expression,
                                             context, "steps", index, "config", "expression"))
            if not result and config.when_false == "fail":
                raise WorkFailed(f"condition {config.expression!r} is false ({where})")
            if not result:
                self.session.note(f"condition {config.expression!r} is false: the steps after "
                                  f"{step.name!r} are skipped")
            return {"result": result}
        if isinstance(config, NotificationStepConfig):
            return await self._notify(step, config, context, where)
        if isinstance(config, WaitStepConfig):
            return await wait_step(scope.catalog.cache, self.session, config, context, where)
        if isinstance(config, DeviceCheck):
            checked = await run_check(scope.catalog.cache, self.session, config, context, where)
            return {"passed": True, "fields": checked.fields, "rows": checked.rows[:100]}
        raise WorkFailed(f"step {step.name!r}: unknown step type {step.step_type!r} ({where})")

    async def _notify(self, step: WorkflowStep, config: NotificationStepConfig,
                      context: Mapping[str, Any], where: str) -> dict[str, Any]:
        scope = self.scope
        message = scope.catalog.cache.text_template(config.message, where).render(context)
        message = GLOBAL_REDACTOR.mask(message.strip())
        self.session.note(f"notification: {message}")
        if config.channel == "webhook" and config.url:
            status = await post_webhook(config.url, {
                "execution_id": scope.execution_id, "workflow": scope.workflow.slug,
                "device": self.name, "step": step.name, "message": message,
                "requested_by": scope.meta.requested_by}, headers=config.headers)
            return {"message": message, "http_status": status}
        return {"message": message}

    async def _task(self, rendered: RenderedStep | None) -> dict[str, Any]:
        if rendered is None or rendered.skipped:
            return {"pushed": 0}
        scope = self.scope
        platform = self.device.platform
        implementation = (scope.catalog.implementations.get(rendered.implementation)
                          if rendered.implementation else None)
        if implementation is not None and is_nautobot_type(implementation.implementation_type):
            return await self._nautobot_step(rendered)
        check_context = step_context(self.device, rendered.inputs, meta=scope.meta)
        for number, check in enumerate(implementation.pre_checks if implementation else []):
            where = scope.catalog.where("implementation", implementation.slug if implementation
                                        else "", "pre_checks", number)
            await run_check(scope.catalog.cache, self.session, check, check_context, where)
        workflow = scope.workflow
        junos = platform == "juniper_junos"
        sent: list[str] = []

        def intend(lines: Sequence[str]) -> None:
            self.session.note(f"intent: push {counted(len(lines), 'line')} "
                              f"(step {rendered.step.name!r}): " + " | ".join(_masked(lines)))

        lines = self._preview(self.running, rendered.lines).push
        if lines:  # committed by the session before it touches the device
            intend(lines)

        async def push(provider: Provider) -> None:
            nonlocal lines
            if self.session.attempts > 1:  # re-read: never re-send what is already in place
                self.running = await provider.get_running_config()
                again = preview(platform, self.running, rendered.lines).push
                if again != lines:
                    lines = again
                    if lines:
                        intend(lines)
                        await self._flush()
            if not lines:
                return
            try:
                await provider.push_config(  # saved once the device's checks pass (_save)
                    lines,
                    confirm_minutes=workflow.junos_commit_confirmed_minutes if junos else None)
            except ChangeRejected as exc:  # what the device took before it refused a line
                self._pushed(exc.applied, junos=junos)
                if exc.applied:
                    self._unmerged.append(exc.applied)
                raise
            sent[:] = lines
            self._unmerged.append(tuple(lines))

        await self.session.call(push)
        self._pushed(sent, junos=junos)
        for number, check in enumerate(implementation.post_checks if implementation else []):
            where = scope.catalog.where("implementation", implementation.slug if implementation
                                        else "", "post_checks", number)
            await run_check(scope.catalog.cache, self.session, check, check_context, where)
        return {"pushed": len(sent)}

    async def _nautobot_step(self, rendered: RenderedStep) -> dict[str, Any]:
        """Apply the step's action in Nautobot, then re-render the steps after it from the
        device as Nautobot now has it. The step's outputs are the action's record."""
        scope = self.scope
        client = scope.nautobot
        where = f"workflow {scope.workflow.slug} step {rendered.step.name!r}"
        if client is None:
            raise BadInput(f"{where} changes Nautobot: run it with --inventory nautobot")
        implementation = scope.catalog.implementations[str(rendered.implementation)]
        kind: Literal["api_call", "graphql_query"] = (
            "graphql_query" if implementation.implementation_type == "graphql_query"
            else "api_call")
        action = scope.catalog.render(implementation, self.device, rendered.inputs,
                                      meta=scope.meta).text
        self.session.note(f"Nautobot {client.url}: {kind} ({where})")
        await self._flush()  # the intent is recorded before Nautobot is changed
        from nocdeck.inventory.nautobot.actions import apply_action
        from nocdeck.inventory.nautobot.writeback import refresh_device

        result = await asyncio.to_thread(apply_action, action, client, kind=kind, where=where)
        self.nautobot.append((rendered.order, result))
        self.session.note(f"Nautobot: {GLOBAL_REDACTOR.mask(result.summary)}")
        if result.revertible:
            self.device = await asyncio.to_thread(refresh_device, client, self.name)
            self.job.rendering = render_device(
                scope.catalog, scope.workflow, self.device,
                inputs_for_device(scope.workflow, scope.inputs, self.device), meta=scope.meta)
        return result.as_record()

    async def _revert_nautobot(self, error: str) -> str:
        """Undo this device's Nautobot changes (newest first) and record them as reverted."""
        client = self.scope.nautobot
        if client is None:
            return error
        results = [result for _, result in self.nautobot]
        from nocdeck.inventory.nautobot.writeback import revert_all

        problems = await asyncio.to_thread(revert_all, results, client)
        for order, result in self.nautobot:
            self.pending.steps.append((self.job.step_ids[order],
                                       {"outputs": result.as_record()}))
        for problem in problems:
            self.session.note(f"Nautobot: {GLOBAL_REDACTOR.mask(problem)}")
        reverted = [r.summary for r in results if r.reverted]
        if reverted:
            self.session.note("Nautobot reverted: " + " | ".join(reverted))
        if problems:
            return GLOBAL_REDACTOR.mask(f"{error}; Nautobot NOT reverted: {'; '.join(problems)}")
        return f"{error}; Nautobot change reverted" if reverted else error

    def _pushed(self, lines: Sequence[str], *, junos: bool) -> None:
        """Lines now in the device's config: recorded, and undone by a rollback."""
        if not lines:
            return
        self.pushed += lines
        self.pushed_masked += _masked(lines)
        self.junos_unconfirmed = self.junos_unconfirmed or junos
        self._later(pushed_lines=self.pushed_masked, changed=True)

    def _preview(self, running: str, lines: Sequence[str]) -> ConfigChange:
        """`preview` on the device's platform; the plan's (or the last) answer when it was
        for this very text and these lines (a config is parsed once, not three times)."""
        lines = tuple(lines)
        known = self.previewed
        if known is not None and known[0] is running and known[1] == lines:
            return known[2]
        change = preview(self.device.platform, running, lines)
        self.previewed = (running, lines, change)
        return change

    async def _read_back(self) -> dict[str, Any]:
        """Read the config back; it is stored (and linked) with the device's final status, in
        one transaction: nothing happens on the device between."""
        try:
            after = await self.session.call(lambda p: p.get_running_config())
        except StoreError as exc:  # the device's record, not the device: nothing was read
            self.session.note(f"not read back: its record could not be written first: {exc}")
            return {}
        except NocdeckError as exc:
            self.session.note(f"could not read the config back: {exc}")
            return {}
        self.pending.backups["backup_after_id"] = (after, "post-change")
        return {}

    async def _rollback(self, error: str) -> DeviceResult:
        platform = self.device.platform
        undo = inverse(platform, self.before, self.pushed)
        for left in undo.left_alone:
            self.session.note(f"rollback leaves alone {left.line!r}: {left.reason}")
        self.session.note(f"rollback: push the inverse, {counted(len(undo.lines), 'line')}: "
                          + " | ".join(_masked(undo.lines)))
        await self._device()
        try:
            if undo.lines:
                # never saved (saving comes after the checks): the startup config still
                # holds what was there, so the rollback saves nothing either
                await self.session.call(lambda p: p.push_config(undo.lines))
        except NocdeckError as exc:
            return await self._finish(DeviceStatus.FAILED,
                                      f"{error}; rollback failed too: {exc}")
        return await self._finish(DeviceStatus.ROLLED_BACK, f"{error} (rolled back)",
                                  **await self._read_back())
