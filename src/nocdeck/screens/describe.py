"""Markdown for a workflow's detail pane: its docs, inputs, steps and approval needs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nocdeck.catalog import Catalog


def describe_workflow(catalog: Catalog, slug: str) -> str:
    workflow = catalog.workflow(slug)
    parts = [f"# {workflow.name}", "",
             f"`{workflow.slug}` · version {workflow.version} · {workflow.category}", ""]
    if workflow.description:
        parts += [workflow.description, ""]
    parts.append("**Needs approval** before it is pushed." if workflow.approval_required
                 else "No approval needed.")
    parts += ["", "## Inputs", ""]
    for item in workflow.inputs:
        schema = item.schema
        kind = item.object_type or str(schema.get("type", "any"))
        need = "required" if item.required else f"optional (default {item.default!r})"
        extra = schema.get("description", "")
        parts.append(f"- **{item.name}** ({kind}, {need}){': ' + extra if extra else ''}")
    parts += ["", "## Steps", ""]
    for number, step in enumerate(workflow.execution_order(), 1):
        what = f" — task `{step.task}`" if step.task else ""
        parts.append(f"{number}. {step.name} ({step.step_type}){what}")
        if step.task and step.task in catalog.tasks:
            doc = catalog.tasks[step.task].documentation.strip()
            if doc:
                parts += ["", *("   " + line for line in doc.splitlines()), ""]
    return "\n".join(parts)


def describe_task(catalog: Catalog, slug: str) -> str:
    """A task's docs, inputs, its implementations per platform and the workflows using it."""
    task = catalog.task(slug)
    parts = [f"# {task.name}", "", f"`{task.slug}` · task · {task.category}", ""]
    if task.description:
        parts += [task.description, ""]
    if task.documentation.strip():
        parts += [task.documentation.strip(), ""]
    properties = (task.input_schema or {}).get("properties") or {}
    required = set((task.input_schema or {}).get("required") or [])
    parts += ["## Inputs", ""]
    parts += [f"- **{name}** ({(schema or {}).get('type', 'any')}, "
              f"{'required' if name in required else 'optional'})"
              for name, schema in properties.items()] or ["(none)"]
    parts += ["", "## Implementations", ""]
    for impl in sorted(catalog.implementations_of(slug), key=lambda i: -i.priority):
        where = impl.platform or "any platform"
        version = f", version {impl.software_version_pattern}" \
            if impl.software_version_pattern else ""
        state = "" if impl.enabled else " (disabled)"
        parts.append(f"- {impl.manufacturer} {where}{version}: `{impl.slug}`, "
                     f"{impl.implementation_type}, priority {impl.priority}{state}")
    users = [wf.name for wf in catalog.workflows.values()
             if any(step.task == slug for step in wf.steps)]
    parts += ["", "## Run it through a workflow", ""]
    parts += [f"- {name}" for name in users] or ["No workflow uses this task yet."]
    return "\n".join(parts)
