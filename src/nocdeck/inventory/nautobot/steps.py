"""A workflow's Nautobot steps (task steps resolved to `api_call` / `graphql_query`): render
them for the plan, apply them for the run.

The runner's order for a "Nautobot first" workflow, per device:

    results = apply_nautobot_steps(catalog, workflow, device, inputs, client, meta=meta)
    device = refresh_device(client, device.name)        # writeback.py
    rendering = render_device(catalog, workflow, device, inputs, meta=meta)
    ... diff, push ...
    if the push failed and workflow.rollback_on_failure: revert_all(results, client)

Each result's `as_record()` belongs in its ExecutionStep's outputs, so the Execution shows the
Nautobot change beside the device change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from nocdeck.catalog import (
    Catalog,
    RenderMeta,
    TaskImplementation,
    Workflow,
    WorkflowStep,
    build_context,
)
from nocdeck.catalog.models import NAUTOBOT_TYPES
from nocdeck.inventory.models import Device
from nocdeck.inventory.nautobot.actions import ActionResult, apply_action
from nocdeck.inventory.nautobot.client import NautobotClient
from nocdeck.inventory.nautobot.writeback import revert_all


@dataclass(frozen=True)
class NautobotStep:
    """One task step that talks to Nautobot, rendered for one device."""

    index: int
    step: WorkflowStep
    implementation: TaskImplementation
    action: dict[str, Any]
    """The rendered action_config (what `nocdeck plan` shows; nothing is sent)."""

    @property
    def kind(self) -> Literal["api_call", "graphql_query"]:
        return cast(Literal["api_call", "graphql_query"], self.implementation.implementation_type)


def _step_inputs(catalog: Catalog, workflow: Workflow, index: int, step: WorkflowStep,
                 context: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    if not step.input_mapping:
        return dict(inputs)
    return {key: catalog.evaluate("workflow", workflow.slug, value, context,
                                  "steps", index, "input_mapping", key)
            for key, value in step.input_mapping.items()}


def render_nautobot_steps(catalog: Catalog, workflow: Workflow, device: Device,
                          inputs: Mapping[str, Any], *, meta: RenderMeta) -> list[NautobotStep]:
    """The workflow's Nautobot steps for `device`, rendered in execution order (pure)."""
    context = build_context(device, inputs, meta=meta)
    context["inputs"] = dict(inputs)
    positions = {id(step): index for index, step in enumerate(workflow.steps)}
    found: list[NautobotStep] = []
    for step in workflow.execution_order():
        if step.step_type != "task" or step.task is None:
            continue
        index = positions[id(step)]
        if step.condition and not catalog.test("workflow", workflow.slug, step.condition,
                                               context, "steps", index, "condition"):
            continue
        implementation = catalog.resolve(step.task, device)
        if implementation.implementation_type not in NAUTOBOT_TYPES:
            continue
        task_inputs = _step_inputs(catalog, workflow, index, step, context, inputs)
        rendering = catalog.render(implementation, device, task_inputs, meta=meta)
        found.append(NautobotStep(index, step, implementation, json.loads(rendering.text)))
    return found


def apply_nautobot_steps(catalog: Catalog, workflow: Workflow, device: Device,
                         inputs: Mapping[str, Any], client: NautobotClient, *,
                         meta: RenderMeta) -> list[ActionResult]:
    """Apply every Nautobot step in order; if one fails, the ones before it are reverted
    and the error (NautobotError / InputError, naming the object) is raised."""
    results: list[ActionResult] = []
    for found in render_nautobot_steps(catalog, workflow, device, inputs, meta=meta):
        try:
            results.append(apply_action(found.action, client, kind=found.kind,
                                        where=f"workflow {workflow.slug} step "
                                              f"{found.step.name!r}"))
        except Exception:
            revert_all(results, client)
            raise
    return results
