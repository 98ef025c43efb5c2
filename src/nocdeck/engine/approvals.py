"""Decisions on a run from any process: approve, reject, cancel.

Every decision is a compare-and-set on the execution's status in the shared store, so two
operators approving at once cannot both start it, and a run that is not waiting cannot be
approved. The approver's process learns whether the requester is still waiting for the
decision (its claim on the run has a live lease); if not, the approver's process executes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from nocdeck.catalog import Catalog
from nocdeck.errors import BadInput
from nocdeck.store import ExecutionRecord, ExecutionStatus, Store
from nocdeck.store.types import utcnow

APPROVED_LEASE = 120.0
"""Seconds an approved run may wait for its executor before recovery marks it interrupted."""


@dataclass(frozen=True)
class Approval:
    execution: ExecutionRecord
    requester_waiting: bool
    """The requester's process still waits for the decision and will execute the run."""


def _user(name: str) -> str:
    return name.partition("@")[0]


async def _waiting_run(store: Store, execution_id: str, verb: str) -> ExecutionRecord:
    record = (await store.get_execution(execution_id, texts=False)).execution
    if record.kind != "run":
        raise BadInput(f"execution {execution_id} is a {record.kind}, not a run: nothing to "
                       f"{verb}")
    if record.status != ExecutionStatus.AWAITING_APPROVAL:
        decided = (f" (approved by {record.approved_by})" if record.approved_by else
                   f" (rejected by {record.rejected_by})" if record.rejected_by else "")
        raise BadInput(f"execution {execution_id} is {record.status}{decided}, not "
                       f"awaiting_approval: nothing to {verb}")
    return record


def approvers_of(catalog: Catalog, workflow: str) -> list[str]:
    found = catalog.workflows.get(workflow)
    out: list[str] = []
    for step in found.steps if found else []:
        if step.step_type == "approval":
            out += list(step.config.get("approvers") or [])
    return out


async def approve(store: Store, execution_id: str, *, by: str, comment: str | None = None,
                  catalog: Catalog | None = None, allow_self: bool = False,
                  owner: str = "") -> Approval:
    """Approve a waiting run (BadInput, exit 2, when it is not waiting or not yours to approve)."""
    record = await _waiting_run(store, execution_id, "approve")
    if record.requested_by == by and not allow_self:
        raise BadInput(f"execution {execution_id} was requested by {by}: another operator must "
                       "approve it (self-approval is off)")
    if catalog is not None:
        if catalog.revision != record.catalog_revision:
            raise BadInput(f"execution {execution_id} was planned on catalog "
                           f"{record.catalog_revision}, the catalog is now {catalog.revision}: "
                           "the approved plan is what runs - plan and request it again")
        allowed = approvers_of(catalog, record.workflow)
        if allowed and by not in allowed and _user(by) not in allowed:
            raise BadInput(f"{by} may not approve {record.workflow} runs "
                           f"(approvers: {', '.join(allowed)})")
    now = utcnow()
    waiting = bool(record.owner and record.lease_expires_at is not None
                   and _aware(record.lease_expires_at) > now)
    updated = await store.set_status(execution_id, ExecutionStatus.PENDING,
                                     expected={ExecutionStatus.AWAITING_APPROVAL},
                                     approved_by=by, approval_comment=comment or "",
                                     owner=owner or by, lease_seconds=APPROVED_LEASE)
    return Approval(updated, waiting)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


async def reject(store: Store, execution_id: str, *, by: str, reason: str) -> ExecutionRecord:
    """Reject a waiting run; it never pushes. A reason is required."""
    if not reason.strip():
        raise BadInput(f"reject {execution_id}: --reason is required (say why)")
    await _waiting_run(store, execution_id, "reject")
    return await store.set_status(execution_id, ExecutionStatus.REJECTED,
                                  expected={ExecutionStatus.AWAITING_APPROVAL},
                                  rejected_by=by, rejected_reason=reason)


async def cancel(store: Store, execution_id: str, *, by: str) -> ExecutionRecord:
    """Cancel a run: at once when nothing executes it yet, else ask its executor to stop
    starting devices (running ones finish or roll back)."""
    record = (await store.get_execution(execution_id, texts=False)).execution
    unclaimed = {ExecutionStatus.AWAITING_APPROVAL, ExecutionStatus.PENDING,
                 ExecutionStatus.SCHEDULED}
    if record.status in unclaimed:
        return await store.set_status(execution_id, ExecutionStatus.CANCELLED,
                                      expected=unclaimed, error=f"cancelled by {by}")
    if record.status != ExecutionStatus.RUNNING or record.kind != "run":
        raise BadInput(f"execution {execution_id} is {record.status}: nothing to cancel")
    await store.append_event(execution_id, "cancel_requested", {"by": by})
    return record
