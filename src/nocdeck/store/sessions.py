"""Session records: interactive terminal sessions, written while they run.

A session's transcript is appended in batches (`append_session`), each batch one committed
transaction, so a session cut off by a crash, a kill or a dropped link leaves every batch
written so far. A record still `active` whose last batch is older than `STALE_AFTER` was cut
off: it is listed as `incomplete`. Transcript text is masked by its column type, like every
other text the store keeps; text the recorder already masked is not masked twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from nocdeck.errors import StoreError
from nocdeck.redaction import GLOBAL_REDACTOR, MARKERS, AlreadyMasked
from nocdeck.store.base import StoreBase
from nocdeck.store.ids import new_id
from nocdeck.store.models import Base, BigId, SessionRecord
from nocdeck.store.types import utcnow

STALE_AFTER = dt.timedelta(seconds=30)
"""An active session writes at least every few seconds; one silent this long was cut off."""
SESSION_ID_PREFIX = "ss"
MARKER_SEPARATOR = "\n"
"""The markers of one piece of a stream are stored as one row, joined by this, and read back
as one marker event each (10,000 redactions in a `show tech` are 10,000 rows otherwise, most
of the cost of recording into PostgreSQL)."""


class MaskedChunk(TypeDecorator[str]):
    """A piece of terminal transcript: masked on its way in, once.

    Text the recorder's `TerminalRedactor` masked (`AlreadyMasked`, unchanged since and no
    secret registered after) and the fixed redaction markers are kept as they are; anything
    else, whoever writes it, is masked here."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, AlreadyMasked) and value.trusted():
            return str(value)
        if value.startswith("masked: ") and all(
                label in MARKERS for label in value.split(MARKER_SEPARATOR)):
            return value
        return GLOBAL_REDACTOR.mask_block(value.replace("\x00", ""))


class SessionEventRow(Base):
    """One transcript event: output `o`, input `i`, resize `r` (`COLSxROWS`), marker `m`."""

    __tablename__ = "session_events"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("session_records.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    t: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(1))
    data: Mapped[str] = mapped_column(MaskedChunk)


class SessionCommandRow(Base):
    """A command typed in a session, when, and the start of the device's answer."""

    __tablename__ = "session_commands"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("session_records.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime]
    t: Mapped[float] = mapped_column(Float)
    command: Mapped[str] = mapped_column(MaskedChunk)
    answer: Mapped[str] = mapped_column(MaskedChunk)


_EVENTS: Table = SessionEventRow.__table__  # type: ignore[assignment]
_COMMANDS: Table = SessionCommandRow.__table__  # type: ignore[assignment]
_RECORDS: Table = SessionRecord.__table__  # type: ignore[assignment]
"""Core tables: a batch of events is one executemany, without the ORM's per-row work."""


@dataclass(frozen=True, slots=True)
class SessionEvent:
    seq: int
    t: float
    """Seconds since the session started."""
    kind: str
    data: str


@dataclass(frozen=True, slots=True)
class SessionCommand:
    seq: int
    at: dt.datetime
    t: float
    command: str
    answer: str


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One session as listed: `status` is active, complete, incomplete, dropped or purged."""

    id: str
    device: str
    user: str
    session_type: str
    status: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    """When it ended, or for one cut off the last moment it was recorded."""
    complete: bool
    exit_status: int | None
    term_cols: int
    term_rows: int
    redaction_count: int

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "device": self.device, "user": self.user,
                "started_at": _iso(self.started_at), "ended_at": _iso(self.ended_at),
                "complete": self.complete, "exit_status": self.exit_status,
                "status": self.status, "session_type": self.session_type,
                "term_size": f"{self.term_cols}x{self.term_rows}",
                "redaction_count": self.redaction_count}


def _events_of(row: SessionEvent) -> list[SessionEvent]:
    """A stored row as events: a marker row holds one marker per redaction."""
    if row.kind != "m" or MARKER_SEPARATOR not in row.data:
        return [row]
    return [SessionEvent(row.seq, row.t, "m", label)
            for label in row.data.split(MARKER_SEPARATOR)]


def _write_batch(db: Connection, session_id: str, events: Sequence[SessionEvent],
                 new_commands: Sequence[SessionCommand], answers: dict[int, str],
                 redaction_count: int, seen_at: dt.datetime) -> None:
    """One batch of a session, as Core statements (a batch of events is one executemany,
    without the ORM's per-row work), inside the caller's transaction."""
    if events:
        db.execute(insert(_EVENTS), [
            {"session_id": session_id, "seq": e.seq, "t": e.t, "kind": e.kind, "data": e.data}
            for e in events])
    if new_commands:
        db.execute(insert(_COMMANDS), [
            {"session_id": session_id, "seq": c.seq, "at": c.at, "t": c.t,
             "command": c.command, "answer": c.answer} for c in new_commands])
    for seq, answer in answers.items():
        db.execute(update(_COMMANDS).where(_COMMANDS.c.session_id == session_id,
                                           _COMMANDS.c.seq == seq).values(answer=answer))
    db.execute(update(_RECORDS).where(_RECORDS.c.id == session_id)
               .values(ended_at=seen_at, redaction_count=redaction_count))


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _summary(row: SessionRecord, now: dt.datetime) -> SessionSummary:
    status = row.status
    if status == "active" and (row.ended_at or row.started_at) < now - STALE_AFTER:
        status = "incomplete"
    return SessionSummary(row.id, row.device, row.user, row.session_type, status,
                          row.started_at, row.ended_at, row.complete, row.exit_status,
                          row.term_cols or 0, row.term_rows or 0, row.redaction_count)


class SessionsMixin(StoreBase):
    async def start_session(self, device: str, user: str, *, cols: int, rows: int,
                            session_type: str = "ssh",
                            started_at: dt.datetime | None = None) -> str:
        """Create the record of a session that starts now; returns its id."""
        started = started_at or utcnow()
        for _ in range(5):
            session_id = new_id(SESSION_ID_PREFIX, started)
            try:
                async with self._writing() as session:
                    session.add(SessionRecord(
                        id=session_id, device=device, user=user, session_type=session_type,
                        status="active", started_at=started, ended_at=started,
                        term_cols=cols, term_rows=rows, complete=False, redaction_count=0))
                return session_id
            except IntegrityError:
                continue
        raise StoreError(f"store at {self.url}: could not allocate a session id")

    async def append_session(self, session_id: str, events: Sequence[SessionEvent], *,
                             new_commands: Sequence[SessionCommand] = (),
                             answers: dict[int, str] | None = None,
                             redaction_count: int, seen_at: dt.datetime) -> None:
        """Write one batch: events, new commands, grown answers, the heartbeat; one commit.
        On SQLite the batch is written whole on the store's writer thread (`_write_whole`)."""
        await self._write_whole(lambda db: _write_batch(
            db.connection(), session_id, events, new_commands, answers or {},
            redaction_count, seen_at))

    async def finish_session(self, session_id: str, *, exit_status: int | None,
                             complete: bool, status: str, ended_at: dt.datetime | None = None
                             ) -> None:
        """Mark the session ended: `complete` when the device closed it with a status."""
        async with self._writing() as session:
            await session.execute(
                update(SessionRecord).where(SessionRecord.id == session_id)
                .values(ended_at=ended_at or utcnow(), exit_status=exit_status,
                        complete=complete, status=status))

    async def list_sessions(self, device: str | None = None, *, limit: int = 200,
                            ids: Sequence[str] | None = None) -> list[SessionSummary]:
        """Sessions newest first."""
        stmt = select(SessionRecord)
        if device:
            stmt = stmt.where(SessionRecord.device == device)
        if ids is not None:
            stmt = stmt.where(SessionRecord.id.in_(list(ids)))
        stmt = stmt.order_by(SessionRecord.started_at.desc(), SessionRecord.id.desc()).limit(limit)
        now = utcnow()
        async with self._reading() as session:
            return [_summary(row, now) for row in await session.scalars(stmt)]

    async def get_session(self, session_id: str) -> SessionSummary:
        async with self._reading() as session:
            row = await session.get(SessionRecord, session_id)
        if row is None:
            raise StoreError(f"no recording {session_id!r} in store at {self.url} "
                             "(`nocdeck recordings list` shows the ids)")
        return _summary(row, utcnow())

    async def session_events(self, session_id: str, *, page: int = 2000
                             ) -> AsyncIterator[list[SessionEvent]]:
        """The transcript in order, a page at a time (a long session is never all in memory)."""
        after = -1
        while True:
            stmt = (select(SessionEventRow.seq, SessionEventRow.t, SessionEventRow.kind,
                           SessionEventRow.data)
                    .where(SessionEventRow.session_id == session_id,
                           SessionEventRow.seq > after)
                    .order_by(SessionEventRow.seq).limit(page))
            async with self._reading() as session:
                batch = [event for row in await session.execute(stmt)
                         for event in _events_of(SessionEvent(*row))]
            if not batch:
                return
            yield batch
            after = batch[-1].seq

    async def session_commands(self, session_id: str) -> list[SessionCommand]:
        stmt = (select(SessionCommandRow.seq, SessionCommandRow.at, SessionCommandRow.t,
                       SessionCommandRow.command, SessionCommandRow.answer)
                .where(SessionCommandRow.session_id == session_id)
                .order_by(SessionCommandRow.seq))
        async with self._reading() as session:
            return [SessionCommand(*row) for row in await session.execute(stmt)]

    async def search_sessions(self, text: str, *, limit: int = 200) -> list[SessionSummary]:
        """Sessions where `text` was typed as a command or shown in the output."""
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        by_command = select(SessionCommandRow.session_id).where(
            SessionCommandRow.command.ilike(pattern, escape="\\"))
        by_output = select(SessionEventRow.session_id).where(
            SessionEventRow.kind == "o", SessionEventRow.data.ilike(pattern, escape="\\"))
        stmt = select(SessionRecord.id).where(
            or_(SessionRecord.id.in_(by_command), SessionRecord.id.in_(by_output)))
        async with self._reading() as session:
            ids = list(await session.scalars(stmt))
        return await self.list_sessions(ids=ids, limit=limit) if ids else []

    async def purge_sessions(self, older_than: dt.datetime) -> int:
        """Delete the transcripts of sessions started before `older_than`; keep the records
        (status `purged`) so that it stays known who was on which device when."""
        cutoff = select(SessionRecord.id).where(SessionRecord.started_at < older_than,
                                                SessionRecord.status != "purged")
        async with self._writing() as session:
            ids = list(await session.scalars(cutoff))
            if not ids:
                return 0
            await session.execute(delete(SessionEventRow).where(
                SessionEventRow.session_id.in_(ids)))
            await session.execute(delete(SessionCommandRow).where(
                SessionCommandRow.session_id.in_(ids)))
            await session.execute(update(SessionRecord).where(SessionRecord.id.in_(ids))
                                  .values(status="purged"))
        return len(ids)
