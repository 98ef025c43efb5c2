"""What the preview asks of the engine: a plan, plus each device's ConfigDiff for the view.

The plan records masked unified text; the view wants the engine's `ConfigDiff` (side by
side, folds, intra-line spans). The running config each device returned during the plan is
kept in memory, so the diff is rebuilt with `configtext.preview` (the engine's own diff, never
difflib) on a worker thread, for the one device being looked at, without asking it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nocdeck.engine.diff import ConfigDiff
    from nocdeck.engine.events import EventSink
    from nocdeck.engine.plan import DevicePlan, PlanResult
    from nocdeck.workspace import Workspace


@dataclass(frozen=True)
class RequestDraft:
    """A filled form: what the user asks for, before the engine has looked at it."""

    workflow: str
    inputs: Mapping[str, Any]
    form: str | None = None
    ticket: str | None = None
    reason: str | None = None


@dataclass
class PlannedRequest:
    """The plan's result and the running configs it read (memory only, never shown raw)."""

    result: PlanResult
    running: dict[str, str] = field(default_factory=dict, repr=False)
    diffs: dict[str, ConfigDiff] = field(default_factory=dict, repr=False)

    def device(self, name: str) -> DevicePlan:
        return next(d for d in self.result.devices if d.name == name)

    def config_diff(self, name: str) -> ConfigDiff | None:
        """The masked diff of one device, computed once (call off the UI thread)."""
        if name in self.diffs:
            return self.diffs[name]
        plan = self.device(name)
        if plan.rendering is None or name not in self.running:
            return None
        from nocdeck.engine.configtext import preview
        from nocdeck.redaction import GLOBAL_REDACTOR

        change = preview(plan.platform, self.running[name], plan.rendering.candidate)
        self.diffs[name] = change.diff.masked(GLOBAL_REDACTOR)
        return self.diffs[name]


async def plan_request(workspace: Workspace, draft: RequestDraft, sink: EventSink
                       ) -> PlannedRequest:
    """Run the engine's plan for the draft, remembering each running config it reads."""
    from nocdeck.engine.plan import PlanRequest, live_running_config, plan
    from nocdeck.inventory.models import Device

    running: dict[str, str] = {}
    execution: list[str] = [""]

    def remember(event: Any) -> None:
        if not execution[0]:
            execution[0] = getattr(event, "execution_id", "")
        sink(event)

    read = live_running_config(workspace.settings, remember, execution)

    async def reading(device: Device) -> str:
        text = await read(device)
        running[device.name] = text
        return text

    request = PlanRequest(draft.workflow, dict(draft.inputs), requested_by=workspace.settings.user,
                          ticket=draft.ticket, reason=draft.reason)
    result = await plan(request, catalog=workspace.need_catalog(),
                        inventory=workspace.need_inventory(), store=workspace.store,
                        settings=workspace.settings, running=reading, sink=remember)
    return PlannedRequest(result, running)
