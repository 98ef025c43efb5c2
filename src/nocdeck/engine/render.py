"""Render a workflow's task steps for one device: the candidate config lines, step by step.

Rendering is pure (no device is touched); the plan and the runner both call it, the plan
with secret inputs left as their references, the runner with them resolved at push time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nocdeck.catalog import Catalog, RenderMeta, Workflow, WorkflowStep, build_context
from nocdeck.inventory.models import Device


def step_context(device: Device, inputs: Mapping[str, Any], *, meta: RenderMeta,
                 outputs: Mapping[str, Any] | None = None,
                 facts: Mapping[str, Any] | None = None,
                 steps: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The context of a step's condition and input mapping: the template context plus
    `inputs` (the workflow's inputs), `outputs` (the `output_mapping` names captured so far,
    also at top level) and `steps` (each finished step's outputs by step name)."""
    context = build_context(device, inputs, facts=facts, meta=meta)
    context["inputs"] = dict(inputs)
    for name, value in (outputs or {}).items():
        context.setdefault(name, value)
    context["outputs"] = dict(outputs or {})
    context["steps"] = dict(steps or {})
    return context


@dataclass(frozen=True)
class RenderedStep:
    """One task step rendered for one device (or skipped by its condition)."""

    order: int
    step: WorkflowStep
    implementation: str | None
    inputs: Mapping[str, Any]
    lines: tuple[str, ...]
    skipped: bool = False


@dataclass(frozen=True)
class DeviceRendering:
    device: Device
    steps: tuple[RenderedStep, ...]
    candidate: tuple[str, ...] = field(default=())
    """Every rendered config line of every task step, in order: what the plan merges."""


def step_inputs(catalog: Catalog, workflow: Workflow, index: int, step: WorkflowStep,
                context: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The task's inputs: the workflow inputs, or the step's evaluated `input_mapping`."""
    if not step.input_mapping:
        return dict(inputs)
    return {
        key: catalog.evaluate("workflow", workflow.slug, value, context,
                              "steps", index, "input_mapping", key)
        for key, value in step.input_mapping.items()
    }


def step_applies(catalog: Catalog, workflow: Workflow, index: int, step: WorkflowStep,
                 context: Mapping[str, Any]) -> bool:
    if not step.condition:
        return True
    return catalog.test("workflow", workflow.slug, step.condition, context,
                        "steps", index, "condition")


def render_device(catalog: Catalog, workflow: Workflow, device: Device,
                  inputs: Mapping[str, Any], *, meta: RenderMeta) -> DeviceRendering:
    """Resolve and render every task step of `workflow` for `device`.

    Raises ResolutionError / RenderError (BadInput) naming the device, the template file and
    line; nothing is sent anywhere.
    """
    positions = {id(step): index for index, step in enumerate(workflow.steps)}
    rendered: list[RenderedStep] = []
    candidate: list[str] = []
    # Only conditions and input mappings read the step context: most workflows have none,
    # and building it costs as much as rendering a template.
    needs_context = any(s.condition or s.input_mapping for s in workflow.steps)
    context = step_context(device, inputs, meta=meta) if needs_context else {}
    for order, step in enumerate(workflow.execution_order(), start=1):
        if step.step_type != "task" or step.task is None:
            continue
        index = positions[id(step)]
        if not step_applies(catalog, workflow, index, step, context):
            rendered.append(RenderedStep(order, step, None, {}, (), skipped=True))
            continue
        task_inputs = step_inputs(catalog, workflow, index, step, context, inputs)
        implementation = catalog.resolve(step.task, device)
        rendering = catalog.render(implementation, device, task_inputs, meta=meta)
        lines = tuple(rendering.lines) if implementation.implementation_type == \
            "jinja2_config" else ()
        candidate += lines
        rendered.append(RenderedStep(order, step, implementation.slug, task_inputs, lines))
    return DeviceRendering(device, tuple(rendered), tuple(candidate))
