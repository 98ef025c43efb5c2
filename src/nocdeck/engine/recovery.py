"""After a crash: mark runs whose process died `interrupted`, read their devices back, retry.

Only runs whose owner's lease has run out are touched, so one host never marks another
host's live run. For each device that was being changed, the device is read back and the
record says whether the planned change is applied, partly applied or not applied. `retry`
re-plans from the device's state now, so it never re-pushes what is already in place.
`nocdeck executions` and `show` mark runs too but have no inventory: the read-back of any
device marked and not yet read back is done here, at the next start that has one.
"""

from __future__ import annotations

from nocdeck.config import Settings
from nocdeck.engine import events as ev
from nocdeck.engine.configtext import preview
from nocdeck.engine.runmodel import RunRequest, process_owner
from nocdeck.errors import BadInput, NocdeckError
from nocdeck.inventory.models import Inventory
from nocdeck.providers.registry import provider_for
from nocdeck.redaction import GLOBAL_REDACTOR
from nocdeck.store import DeviceRecord, DeviceStatus, ExecutionStatus, PushOutcome, Store

RETRYABLE = {ExecutionStatus.FAILED, ExecutionStatus.INTERRUPTED, ExecutionStatus.CANCELLED}


async def recover_interrupted(store: Store, *, inventory: Inventory | None, settings: Settings,
                              sink: ev.EventSink = ev.discard) -> list[str]:
    """Mark dead runs `interrupted`, then record what each interrupted push not read back
    yet left on its device, whichever process marked it. Without an inventory, marking only:
    a later start with one reads the devices back."""
    marked = await store.mark_interrupted()
    for execution_id in marked:
        sink(ev.LogLine(execution_id=execution_id, direction="info",
                        text=f"execution {execution_id} was left running by a process that "
                             "stopped: marked interrupted"))
    waiting = await store.devices_to_read_back() if inventory is not None else []
    if not waiting or inventory is None:
        return marked
    owner = process_owner(settings)
    for device in waiting:
        # Two processes starting at once find the same devices: one reads each back.
        if await store.claim_read_back(device.execution_id, device.name, by=owner):
            await _read_back(store, device.execution_id, device, inventory, settings)
    return marked


async def _read_back(store: Store, execution_id: str, record: DeviceRecord,
                     inventory: Inventory, settings: Settings) -> None:
    planned = list(record.lines_to_push)
    device = inventory.get(record.name)
    outcome, note, applied = PushOutcome.UNKNOWN, "", list[str]()
    if not planned:
        outcome = PushOutcome.NOT_APPLIED
    elif device is None:
        note = "not in the inventory now, so not read back"
    else:
        try:
            provider = provider_for(device, settings, redactor=GLOBAL_REDACTOR)
            async with provider:
                now = await provider.get_running_config()
        except NocdeckError as exc:
            note = f"could not read it back: {GLOBAL_REDACTOR.mask(str(exc))}"
        else:
            backup = await store.save_backup(record.name, now, method="read-back",
                                             execution_id=execution_id)
            await store.update_device(execution_id, record.name, backup_after_id=backup.id)
            missing = set(preview(device.platform, now, planned).push)
            applied = [line for line in planned if line not in missing]
            outcome = (PushOutcome.APPLIED if not missing else
                       PushOutcome.NOT_APPLIED if not applied else PushOutcome.PARTLY_APPLIED)
    words = outcome.replace("_", " ")
    await store.update_device(
        execution_id, record.name, outcome=outcome, changed=bool(applied) and
        outcome != PushOutcome.NOT_APPLIED, pushed_lines=applied or None,
        error=f"interrupted mid-run; read back: change {words}" + (f" ({note})" if note else ""))


async def retry_targets(store: Store, execution_id: str) -> tuple[RunRequest, list[str]]:
    """What `nocdeck retry ID` re-plans: BadInput when the run cannot be retried."""
    detail = await store.get_execution(execution_id)
    record = detail.execution
    if record.kind != "run" or record.status not in RETRYABLE:
        raise BadInput(f"execution {execution_id} is a {record.kind} that is {record.status}: "
                       "only a failed, interrupted or cancelled run can be retried")
    devices = [d.name for d in detail.devices
               if d.status not in (DeviceStatus.COMPLETED, DeviceStatus.NO_CHANGE)]
    if not devices:
        raise BadInput(f"execution {execution_id}: every device completed; nothing to retry")
    return RunRequest(record.workflow, dict(record.inputs), requested_by="",
                      ticket=record.ticket, reason=record.reason), devices

