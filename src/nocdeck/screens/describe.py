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
