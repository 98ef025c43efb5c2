"""Nautobot as the source of truth: the same Inventory interface, bulk-loaded over GraphQL.

`load_nautobot_inventory(settings)` is what `--inventory nautobot` uses; `selectors` serves
the form's filter-as-you-type, `actions` the `graphql_query` / `api_call` write-back steps,
`sync` and `discovery` put devices into Nautobot (lab, onboarding).
"""

from __future__ import annotations

from nocdeck.inventory.nautobot.client import NautobotClient, NautobotError, NautobotUnreachable
from nocdeck.inventory.nautobot.source import NautobotInventory, connect, load_nautobot_inventory

__all__ = ["NautobotClient", "NautobotError", "NautobotInventory", "NautobotUnreachable",
           "connect", "load_nautobot_inventory"]
