"""`nocdeck catalog validate|list`: check a catalog before it is merged, see what it offers.

`validate` is what CI runs on a catalog repository: every problem as `PATH:LINE: message` on
stdout, exit 1 when there are any, 2 when the directory cannot be read at all.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from nocdeck.catalog import BUNDLED_DIR, Catalog, Layer, build_catalog, configured_layers
from nocdeck.catalog.catalog import load_catalog
from nocdeck.commands.common import CliState, echo_json, pass_state
from nocdeck.wording import counted


@click.group("catalog")
def catalog_group() -> None:
    """Validate and list the catalog of tasks and workflows."""


def _summary(catalog: Catalog) -> str:
    return ", ".join([
        counted(len(catalog.tasks), "task"),
        counted(len(catalog.implementations), "implementation"),
        counted(len(catalog.workflows), "workflow"),
        counted(len(catalog.forms), "form"),
        counted(len(catalog.compliance_checks), "compliance check"),
    ])


@catalog_group.command("validate")
@click.argument("directory", required=False, metavar="[DIR]")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@pass_state
def validate(state: CliState, directory: str | None, as_json: bool) -> None:
    """Check DIR layered over the bundled catalog (default: the configured layers).

    Prints every problem as PATH:LINE: message; exit 0 when clean, 1 when problems were found,
    2 when DIR cannot be read.
    """
    if directory is not None:
        layers = [Layer("bundled", BUNDLED_DIR), Layer(directory, Path(directory))]
    else:
        layers = configured_layers(state.settings)
    catalog, problems = build_catalog(layers)
    if as_json:
        echo_json({
            "ok": not problems,
            "revision": catalog.revision,
            "layers": [{"name": layer.name, "path": str(layer.path)} for layer in layers],
            "problems": [{"path": p.path, "line": p.line, "message": p.message}
                         for p in problems],
        })
    else:
        for problem in problems:
            click.echo(str(problem))
        if problems:
            click.echo(f"{counted(len(problems), 'problem')} found", err=True)
        else:
            click.echo(f"catalog OK: {_summary(catalog)} (revision {catalog.revision})")
    if problems:
        sys.exit(1)


def _listing(catalog: Catalog) -> dict[str, Any]:
    workflows = [{
        "slug": wf.slug, "name": wf.name, "category": wf.category, "version": wf.version,
        "enabled": wf.enabled, "approval_required": wf.approval_required,
        "inputs": [i.name for i in wf.inputs],
        "layer": catalog.source_layer("workflow", wf.slug),
    } for wf in catalog.workflows.values()]
    tasks = [{
        "slug": task.slug, "name": task.name, "category": task.category, "version": None,
        "approval_required": None,
        "platforms": sorted({impl.platform or impl.manufacturer
                             for impl in catalog.implementations_of(task.slug) if impl.enabled}),
        "layer": catalog.source_layer("task", task.slug),
    } for task in catalog.tasks.values()]
    return {
        "revision": catalog.revision,
        "layers": [{"name": name, "revision": rev} for name, rev in catalog.layer_revisions],
        "workflows": workflows,
        "tasks": tasks,
    }


@catalog_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@pass_state
def list_catalog(state: CliState, as_json: bool) -> None:
    """List the workflows and tasks of the catalog in effect, and where each comes from."""
    catalog = load_catalog(state.settings)
    data = _listing(catalog)
    if as_json:
        echo_json(data)
        return
    slug_width = max((len(item["slug"]) for key in ("workflows", "tasks")
                      for item in data[key]), default=24)
    click.echo("WORKFLOWS")
    for wf in data["workflows"]:
        approval = "approval" if wf["approval_required"] else "-"
        click.echo(f"  {wf['slug']:<{slug_width}} {wf['version']:<8} {approval:<9} "
                   f"{wf['category']:<12} {wf['name']}  [{wf['layer']}]")
    click.echo("TASKS")
    for task in data["tasks"]:
        click.echo(f"  {task['slug']:<{slug_width}} {task['category']:<12} {task['name']}  "
                   f"({', '.join(task['platforms']) or 'no implementation'})  [{task['layer']}]")
    click.echo(f"revision {catalog.revision}")
