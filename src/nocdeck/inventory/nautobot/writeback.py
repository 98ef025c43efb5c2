"""What a "Nautobot first" workflow needs between its steps: re-read the device, undo changes.

After the runner applies a workflow's `api_call` / `graphql_query` steps (`apply_action`), it
calls `refresh_device` and renders the config steps from the device as Nautobot now has it.
If the push then fails and the workflow has `rollback_on_failure`, `revert_all` undoes the
Nautobot changes, newest first, so Nautobot and the device still agree.
"""

from __future__ import annotations

from collections.abc import Sequence

from nocdeck.inventory.models import Device
from nocdeck.inventory.nautobot.actions import ActionResult, revert_action
from nocdeck.inventory.nautobot.client import NautobotClient, NautobotError
from nocdeck.inventory.nautobot.convert import NotManageable
from nocdeck.inventory.nautobot.loader import NautobotData, convert, fetch_device

SHARED_FOR_DEVICE = """
query ($location: [String]) {
  vlans(location: $location) { vid name location { name } }
  prefixes(location: $location) { prefix description location { name } vlan { vid } vrfs { name } }
}
"""


def refresh_device(client: NautobotClient, name: str) -> Device:
    """The device as Nautobot has it now (two GraphQL requests); names it if it is gone or
    cannot be managed any more."""
    raw = fetch_device(client, name)
    if raw is None:
        raise NautobotError(f"Nautobot {client.url}: device {name!r} is not there any more")
    location = (raw.get("location") or {}).get("name")
    shared = client.graphql(SHARED_FOR_DEVICE, {"location": [location] if location else None})
    data = NautobotData(url=client.url, version=client.version(), devices=[raw],
                        vlans=shared["vlans"], prefixes=shared["prefixes"])
    converted = convert(data)
    if converted.unmanageable:
        raise NotManageable(next(iter(converted.unmanageable.values())))
    return converted.devices[0]


def revert_all(results: Sequence[ActionResult], client: NautobotClient) -> list[str]:
    """Undo every revertible change, newest first; the problems, one line each (a failed
    revert does not stop the others)."""
    problems: list[str] = []
    for result in reversed(results):
        if not result.revertible:
            continue
        try:
            revert_action(result, client)
        except NautobotError as exc:
            problems.append(f"could not revert {result.summary!r}: {exc}")
    return problems
