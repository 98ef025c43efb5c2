"""On SQLite a session's batches are written whole on a thread of their own: each batch is
committed before the next (what another process reads while the session runs), the columns
still mask what they are given, a failing store is one StoreError naming it, and closing
the store ends the thread."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from nocdeck.errors import StoreError
from nocdeck.recordings.recorder import SessionRecorder
from nocdeck.redaction import MARK_OUTPUT, Redactor
from nocdeck.store import Store
from nocdeck.store.sessions import SessionEvent
from nocdeck.store.types import utcnow
from tests.fixtures.store import sql_rows


def transcript_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("nocdeck-store-writer")]


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'store' / 'nocdeck.db'}"


async def test_each_batch_is_committed_and_visible_before_the_session_ends(
        tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    store = await Store.open(url)
    before = len(transcript_threads())
    try:
        session_id = await store.start_session("r1", "ann", cols=80, rows=24)
        await store.append_session(session_id, [
            SessionEvent(0, 0.0, "o", "r1#show run\r\nsnmp-server community ThreadCanary1 RO\r\n"),
            SessionEvent(1, 0.1, "m", MARK_OUTPUT)], redaction_count=1, seen_at=utcnow())
        assert len(transcript_threads()) == before + 1
        rows = sql_rows(url, "SELECT seq, kind, data FROM session_events ORDER BY seq")
        assert [(seq, kind) for seq, kind, _ in rows] == [(0, "o"), (1, "m")]
        assert "ThreadCanary1" not in repr(rows), "the column masks a plain str"
        assert sql_rows(url, "SELECT status, redaction_count FROM session_records") == [
            ("active", 1)]
        await store.append_session(session_id, [SessionEvent(2, 0.2, "o", "r1#")],
                                   redaction_count=1, seen_at=utcnow())
        assert len(sql_rows(url, "SELECT seq FROM session_events")) == 3
    finally:
        await store.close()
    assert len(transcript_threads()) == before, "closing the store ends the thread"


async def test_a_store_that_fails_mid_session_stops_the_recording_with_its_name(
        tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    store = await Store.open(url)
    try:
        recorder = SessionRecorder(store, device="r2", user="bob", redactor=Redactor())
        session_id = await recorder.start(80, 24)
        recorder.output("r2#show clock\r\n")
        with sqlite3.connect(tmp_path / "store" / "nocdeck.db") as db:
            db.execute("DROP TABLE session_events")
        recorder.output("12:00:00 UTC\r\nr2#")
        await recorder.finish(exit_status=0, complete=True, status="complete")
        assert isinstance(recorder.failure, StoreError)
        assert "store at sqlite+aiosqlite:///" in str(recorder.failure)
        assert "session_events" in str(recorder.failure)
        [summary] = await store.list_sessions("r2")
        assert summary.id == session_id
    finally:
        await store.close()


async def test_a_duplicate_batch_is_refused_as_before(tmp_path: Path) -> None:
    """The thread path raises the same IntegrityError the async path does (not a StoreError),
    and the refused batch leaves nothing behind."""
    from sqlalchemy.exc import IntegrityError

    store = await Store.open(sqlite_url(tmp_path))
    try:
        session_id = await store.start_session("r3", "cy", cols=80, rows=24)
        await store.append_session(session_id, [SessionEvent(0, 0.0, "o", "a\n")],
                                   redaction_count=0, seen_at=utcnow())
        with pytest.raises(IntegrityError):
            await store.append_session(session_id, [SessionEvent(1, 0.1, "o", "b\n"),
                                                    SessionEvent(0, 0.2, "o", "c\n")],
                                       redaction_count=0, seen_at=utcnow())
        events = [e async for batch in store.session_events(session_id) for e in batch]
        assert [e.data for e in events] == ["a\n"], "the whole batch was rolled back"
    finally:
        await store.close()
