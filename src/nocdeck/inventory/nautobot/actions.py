"""Write-back: run a rendered `api_call` / `graphql_query` action against Nautobot, and undo it.

The runner calls `apply_action(rendering.text, client)` for a task step whose implementation
is of one of these types (the catalog renders its `action_config` to JSON), records
`result.as_record()` in the ExecutionStep, and calls `revert_action(result, client)` when a
later push fails and the workflow says to roll back. The record holds what was there before
and after, so the Execution shows both the Nautobot change and the device change.

action_config (docs/nautobot.md):

    api_call:      {method: PATCH|POST|DELETE|GET, path: /api/dcim/interfaces/,
                    lookup: {device: r1, name: Gi0/1}, data: {...}}
    graphql_query: {query: "query {...}", variables: {...}}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from nocdeck.errors import InputError
from nocdeck.inventory.nautobot.client import NautobotClient, NautobotError

METHODS = ("GET", "POST", "PATCH", "DELETE")


@dataclass
class ActionResult:
    """What one action did in Nautobot: enough to show it, record it and undo it."""

    kind: Literal["api_call", "graphql_query"]
    method: str
    path: str
    object_id: str | None = None
    summary: str = ""
    """One line in the NOC's words: `PATCH interface r1 Gi0/1: untagged_vlan 10 -> 30`."""
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    data: Any = None
    """A GET's or a GraphQL query's answer."""
    reverted: bool = False

    @property
    def revertible(self) -> bool:
        return (self.method in ("PATCH", "POST") and self.object_id is not None
                and not self.reverted)

    def as_record(self) -> dict[str, Any]:
        return {"kind": self.kind, "method": self.method, "path": self.path,
                "object_id": self.object_id, "summary": self.summary, "before": self.before,
                "after": self.after, "data": self.data, "reverted": self.reverted}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ActionResult:
        """Back from the ExecutionStep's outputs (a revert after a restart, `nocdeck retry`)."""
        return cls(**{k: record[k] for k in ("kind", "method", "path", "object_id", "summary",
                                             "before", "after", "data", "reverted")})


def parse_action(action: str | Mapping[str, Any], *, kind: str, where: str = "") -> dict[str, Any]:
    """The rendered action as a dict; an InputError names what is wrong and where."""
    label = f"{where}: " if where else ""
    if isinstance(action, str):
        try:
            action = json.loads(action)
        except ValueError as exc:
            raise InputError(f"{label}{kind} action is not JSON: {exc}") from None
    if not isinstance(action, Mapping):
        raise InputError(f"{label}{kind} action must be a mapping")
    spec = dict(action)
    if kind == "graphql_query":
        if not isinstance(spec.get("query"), str) or not spec["query"].strip():
            raise InputError(f"{label}graphql_query action needs 'query' (GraphQL text)")
        return spec
    method = str(spec.get("method", "")).upper()
    if method not in METHODS:
        raise InputError(f"{label}api_call action: method {spec.get('method')!r} is not one "
                         f"of {', '.join(METHODS)}")
    path = spec.get("path")
    if not isinstance(path, str) or not path.startswith("/api/"):
        raise InputError(f"{label}api_call action: path {path!r} must start with /api/")
    if method in ("PATCH", "DELETE") and not isinstance(spec.get("lookup"), Mapping):
        raise InputError(f"{label}api_call action: {method} needs 'lookup' (the filters that "
                         "find exactly one object, e.g. {device: r1, name: Gi0/1})")
    spec["method"] = method
    return spec


def _writable(value: Any) -> Any:
    """A REST answer's field as it can be written back (related object -> id, choice ->
    value)."""
    if isinstance(value, dict):
        if "id" in value:
            return value["id"]
        if "value" in value:
            return value["value"]
    if isinstance(value, list):
        return [_writable(item) for item in value]
    return value


def _shown(value: Any) -> Any:
    """A field as a NOC engineer reads it in the summary (a VLAN by vid, a choice by value)."""
    if isinstance(value, dict):
        for key in ("vid", "value", "name", "display"):
            if value.get(key) not in (None, ""):
                return value[key]
        return value.get("id")
    if isinstance(value, list):
        return [_shown(item) for item in value]
    return value


def _one(client: NautobotClient, path: str, lookup: Mapping[str, Any]) -> dict[str, Any]:
    answer = client.request("GET", path, params={**lookup, "depth": 1, "limit": 2})
    results = answer.get("results", []) if isinstance(answer, dict) else []
    described = ", ".join(f"{k}={v}" for k, v in lookup.items())
    if not results:
        raise NautobotError(f"Nautobot {client.url}: no object at {path} with {described}")
    if len(results) > 1 or (isinstance(answer, dict) and int(answer.get("count", 1)) > 1):
        raise NautobotError(f"Nautobot {client.url}: more than one object at {path} with "
                            f"{described}; the lookup must find exactly one")
    found: dict[str, Any] = results[0]
    return found


def apply_action(action: str | Mapping[str, Any], client: NautobotClient, *,
                 kind: Literal["api_call", "graphql_query"] = "api_call",
                 where: str = "") -> ActionResult:
    """Run one rendered action; NautobotError (names the object) if Nautobot refuses it."""
    spec = parse_action(action, kind=kind, where=where)
    if kind == "graphql_query":
        data = client.graphql(spec["query"], spec.get("variables") or {})
        return ActionResult(kind, "QUERY", "/api/graphql/", data=data,
                            summary=f"GraphQL query ({', '.join(data)})")
    method, path = spec["method"], spec["path"]
    data = dict(spec.get("data") or {})
    lookup = dict(spec.get("lookup") or {})
    if method == "GET":
        answer = client.request("GET", path, params=lookup)
        return ActionResult(kind, method, path, data=answer, summary=f"GET {path}")
    if method == "POST":
        created = client.create(path, data, what=f"POST {path}")
        return ActionResult(kind, method, path, object_id=str(created["id"]),
                            after={k: _writable(created.get(k)) for k in data},
                            summary=f"created {created.get('display', created['id'])} at {path}")
    target = _one(client, path, lookup)
    owner = target.get("device") if isinstance(target.get("device"), dict) else None
    owner_name = f"{owner.get('display') or owner.get('name')} " if owner else ""
    label = (f"{path.strip('/').split('/')[-1].rstrip('s')} "
             f"{owner_name}{target.get('display', target['id'])}")
    if method == "DELETE":
        client.delete(path, str(target["id"]), what=f"delete {label}")
        return ActionResult(kind, method, path, object_id=str(target["id"]),
                            before={k: _writable(v) for k, v in target.items()},
                            summary=f"deleted {label}")
    before = {key: _writable(target.get(key)) for key in data}
    shown_before = {key: _shown(target.get(key)) for key in data}
    updated = client.update(path, str(target["id"]), data, what=f"update {label}")
    after_answer = _one(client, path, {"id": updated["id"]})
    after = {key: _writable(after_answer.get(key)) for key in data}
    changes = "; ".join(f"{key} {shown_before[key]!r} -> {_shown(after_answer.get(key))!r}"
                        for key in data if before[key] != after[key]) or "no change"
    return ActionResult(kind, method, path, object_id=str(target["id"]), before=before,
                        after=after, summary=f"{label}: {changes}")


def revert_action(result: ActionResult, client: NautobotClient) -> ActionResult:
    """Undo a PATCH (write `before` back) or a POST (delete what it created).

    A GET, a GraphQL query or an already reverted action changes nothing; a DELETE cannot be
    undone here and says so.
    """
    if result.reverted or result.method in ("GET", "QUERY"):
        return result
    if result.object_id is None:
        raise NautobotError(f"Nautobot {client.url}: cannot revert {result.summary!r}: "
                            "no object id was recorded")
    if result.method == "DELETE":
        raise NautobotError(f"Nautobot {client.url}: cannot revert {result.summary!r}: a "
                            "deleted object is not re-created by nocdeck")
    if result.method == "PATCH":
        client.update(result.path, result.object_id, result.before,
                      what=f"revert {result.summary}")
    else:
        client.delete(result.path, result.object_id, what=f"revert {result.summary}")
    result.reverted = True
    return result
