"""The transcript is masked once (by the recorder), yet nothing unmasked reaches the table:
text the recorder did not mask, or that changed since, is masked by the column again."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from nocdeck.recordings.recorder import SessionRecorder
from nocdeck.recordings.terminal import TerminalBridge
from nocdeck.redaction import (
    GLOBAL_REDACTOR,
    MARK_OUTPUT,
    AlreadyMasked,
    Redactor,
    TerminalRedactor,
)
from nocdeck.store import Store
from nocdeck.store.sessions import SessionEvent
from nocdeck.store.types import utcnow
from tests.fixtures.store import sql_rows


def session_text(store_url: str) -> str:
    return "\n".join(row[0] for row in sql_rows(store_url, "SELECT data FROM session_events"))


async def new_session(store: Store) -> str:
    return await store.start_session("r7", "eve", cols=80, rows=24)


async def test_a_writer_other_than_the_recorder_still_gets_its_text_masked(
        store: Store, store_url: str) -> None:
    session_id = await new_session(store)
    await store.append_session(session_id, [
        SessionEvent(0, 0.0, "o", "snmp-server community OtherWriterCanary1 RO\r\n"),
        SessionEvent(1, 0.1, "m", MARK_OUTPUT)], redaction_count=0, seen_at=utcnow())
    text = session_text(store_url)
    assert "OtherWriterCanary1" not in text
    assert "snmp-server community " + "*" * 18 + " RO" in text and MARK_OUTPUT in text


async def test_recorder_text_edited_after_masking_is_masked_again(
        store: Store, store_url: str) -> None:
    masked = TerminalRedactor(Redactor()).output("r1#show clock\r\n").text
    assert isinstance(masked, AlreadyMasked) and masked.trusted()
    edited = masked + "enable secret 5 EditedCanary22\r\n"
    assert not isinstance(edited, AlreadyMasked)
    session_id = await new_session(store)
    await store.append_session(session_id, [SessionEvent(0, 0.0, "o", edited)],
                               redaction_count=0, seen_at=utcnow())
    assert "EditedCanary22" not in session_text(store_url)


async def test_a_secret_registered_after_masking_is_still_kept_out(
        store: Store, store_url: str) -> None:
    late = f"LateGlobalCanary{uuid.uuid4().hex[:8]}"
    masked = TerminalRedactor(Redactor()).output(f"banner {late}\r\n").text
    GLOBAL_REDACTOR.add_secret(late)
    assert isinstance(masked, AlreadyMasked) and not masked.trusted()
    session_id = await new_session(store)
    await store.append_session(session_id, [SessionEvent(0, 0.0, "o", masked)],
                               redaction_count=0, seen_at=utcnow())
    assert late not in session_text(store_url)


def test_secrets_of_the_process_are_masked_by_the_session_masking_too() -> None:
    canary = f"ProcessWideCanary{uuid.uuid4().hex[:8]}"
    GLOBAL_REDACTOR.add_secret(canary)
    masked = TerminalRedactor(Redactor()).output(f"note {canary} x\r\n")
    assert masked.text == f"note {'*' * len(canary)} x\r\n" and masked.markers == [MARK_OUTPUT]


def test_only_the_masking_makes_already_masked_text() -> None:
    with pytest.raises(TypeError):
        AlreadyMasked("enable secret 5 ForgedCanary55", generation=GLOBAL_REDACTOR.generation)


@pytest.mark.parametrize("cut", [1, 9, 21, 30, 44])
async def test_a_secret_line_split_across_two_turns_of_the_output_batching_is_masked(
        store: Store, store_url: str, cut: int) -> None:
    """The bridge masks the output of one event-loop turn at a time: a secret config line
    whose halves arrive in different turns is still joined before it is masked."""
    line = b"snmp-server community SplitTurnCanary9 RO\r\n"
    recorder = SessionRecorder(store, device="r8", user="ann", redactor=Redactor())
    await recorder.start(80, 24)
    read_end, write_end = os.pipe()
    try:
        bridge = TerminalBridge(recorder, read_end, write_end, (80, 24), follow_size=False)
        bridge.device_output(b"r8#show run\r\n" + line[:cut])
        await asyncio.sleep(0)
        bridge.device_output(line[cut:] + b"r8#")
        await asyncio.sleep(0)
        bridge.device_closed(None)
        shown = os.read(read_end, 4096)
    finally:
        os.close(read_end)
        os.close(write_end)
    await recorder.finish(exit_status=0, complete=True, status="complete")
    assert line in shown, "the screen shows the output unchanged"
    text = session_text(store_url)
    assert "SplitTurnCanary9" not in text
    assert "snmp-server community " + "*" * 16 + " RO" in text


async def test_the_markers_of_one_block_are_one_row_and_read_back_one_per_redaction(
        store: Store, store_url: str) -> None:
    recorder = SessionRecorder(store, device="r6", user="ann", redactor=Redactor())
    session_id = await recorder.start(80, 24)
    recorder.output("snmp-server community RowCanaryA RO\r\nenable secret 5 RowCanaryB\r\n"
                    " key 7 RowCanaryC\r\nr6#")
    await recorder.finish(exit_status=0, complete=True, status="complete")
    events = [e async for batch in store.session_events(session_id) for e in batch]
    assert [e.data for e in events if e.kind == "m"] == [MARK_OUTPUT] * 3
    assert sql_rows(store_url, "SELECT count(*) FROM session_events WHERE kind = 'm'") == [(1,)]
    assert "RowCanary" not in session_text(store_url)
    [summary] = await store.list_sessions("r6")
    assert summary.redaction_count == 3


async def test_a_marker_row_from_another_writer_cannot_smuggle_a_secret(
        store: Store, store_url: str) -> None:
    session_id = await new_session(store)
    await store.append_session(session_id, [SessionEvent(
        0, 0.0, "m", f"{MARK_OUTPUT}\nenable secret 5 SmuggledCanary6")],
        redaction_count=0, seen_at=utcnow())
    assert "SmuggledCanary6" not in session_text(store_url)
