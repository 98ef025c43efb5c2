"""A run's Nautobot steps (`api_call` / `graphql_query` task implementations): which client
they use, and the refusal when there is none, before anything is touched.

The steps themselves run in `DeviceRun` (devicerun.py), in the order docs/nautobot.md gives:
apply, re-read the device from Nautobot, render the switch steps from it, push; revert the
Nautobot change if the push fails and the workflow says `rollback_on_failure`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nocdeck.catalog import Catalog, Workflow, WorkflowStep
from nocdeck.catalog.models import NAUTOBOT_TYPES
from nocdeck.errors import BadInput
from nocdeck.inventory.models import Inventory

if TYPE_CHECKING:  # a run without Nautobot steps never imports the client (httpx)
    from nocdeck.inventory.nautobot.client import NautobotClient


def is_nautobot_type(implementation_type: str | None) -> bool:
    return implementation_type in NAUTOBOT_TYPES


def first_nautobot_step(catalog: Catalog, workflow: Workflow) -> WorkflowStep | None:
    """The first task step any of whose implementations talks to Nautobot."""
    for step in workflow.execution_order():
        if step.step_type != "task" or step.task is None:
            continue
        if any(is_nautobot_type(i.implementation_type)
               for i in catalog.implementations_of(step.task)):
            return step
    return None


def nautobot_client_for(catalog: Catalog, workflow: Workflow,
                        inventory: Inventory) -> NautobotClient | None:
    """The Nautobot client the run's Nautobot steps use (None: the workflow has none).

    BadInput naming the workflow and step when the inventory is not a reachable Nautobot:
    write-back needs the Nautobot the devices were read from.
    """
    step = first_nautobot_step(catalog, workflow)
    if step is None:
        return None
    where = f"workflow {workflow.slug} step {step.name!r} (task {step.task})"
    from nocdeck.inventory.nautobot.source import NautobotInventory

    if not isinstance(inventory, NautobotInventory):
        source = f" ({inventory.source})" if inventory.source else ""
        raise BadInput(f"{where} changes Nautobot, but the inventory is not Nautobot"
                       f"{source}: run it with --inventory nautobot")
    if inventory.client is None:
        raise BadInput(f"{where} changes Nautobot, but Nautobot {inventory.url} is "
                       "unreachable (read-only snapshot): nothing was changed")
    return inventory.client
