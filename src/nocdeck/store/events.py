"""The append-only audit trail: each execution's events, numbered 1, 2, 3… in order.

Events are only ever inserted. A later issue builds the hash chain over them
(`nocdeck audit verify`); the numbering per execution is what it will chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nocdeck.errors import StoreError
from nocdeck.store.base import StoreBase
from nocdeck.store.models import Execution, ExecutionEvent
from nocdeck.store.records import EventRecord
from nocdeck.store.types import utcnow


def event_record(row: ExecutionEvent) -> EventRecord:
    return EventRecord(execution_id=row.execution_id, seq=row.seq, at=row.at, type=row.type,
                       payload=dict(row.payload or {}))


class EventsMixin(StoreBase):
    async def _add_event(self, session: AsyncSession, execution_id: str, event_type: str,
                         payload: Mapping[str, Any]) -> ExecutionEvent:
        """Insert the next event; the caller holds the execution's row lock."""
        last = await session.scalar(select(func.max(ExecutionEvent.seq))
                                    .where(ExecutionEvent.execution_id == execution_id))
        row = ExecutionEvent(execution_id=execution_id, seq=(last or 0) + 1, at=utcnow(),
                             type=event_type, payload=dict(payload))
        session.add(row)
        await session.flush()
        return row

    async def append_event(self, execution_id: str, event_type: str,
                           payload: Mapping[str, Any] | None = None) -> EventRecord:
        """Append one event to an execution's trail, committed before this returns."""
        async with self._writing() as session:
            locked = await session.scalar(
                select(Execution.id).where(Execution.id == execution_id).with_for_update())
            if locked is None:
                raise StoreError(f"no execution {execution_id!r} in store at {self.url}")
            row = await self._add_event(session, execution_id, event_type, payload or {})
            return event_record(row)

    async def list_events(self, execution_id: str, *, after_seq: int = 0,
                          limit: int = 1000) -> list[EventRecord]:
        """An execution's events in order, a page at a time (`after_seq` = last one seen)."""
        async with self._reading() as session:
            rows = await session.scalars(
                select(ExecutionEvent)
                .where(ExecutionEvent.execution_id == execution_id,
                       ExecutionEvent.seq > after_seq)
                .order_by(ExecutionEvent.seq).limit(limit))
            return [event_record(row) for row in rows]
