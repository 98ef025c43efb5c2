"""No secret is ever stored: every path that writes text or JSON masks it on the way in."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from nocdeck.redaction import GLOBAL_REDACTOR, AlreadyMasked, Redactor, mask_for_store
from nocdeck.store import NewStep, Store, types
from nocdeck.store.models import Base
from nocdeck.store.progress import DeviceProgress
from nocdeck.store.types import mask_text
from tests.fixtures.store import sql_rows

CANARY = "CANARYq7Zx91"


async def _write_secrets_everywhere(store: Store) -> str:
    record = await store.create_execution(
        kind="run", workflow="snmp-community", requested_by="alice@jump1",
        inputs={"community": f"{CANARY}in", "community_ref": "cred:snmp-ro", "location": "DC1"},
        secret_inputs=["community", "community_ref"], devices=["core-sw1"],
        reason=f"rotate: snmp-server community {CANARY}re RO")
    backup = await store.save_backup(
        "core-sw1", f"hostname core-sw1\nenable secret 5 $1$mERr${CANARY}bk\n"
                    f"snmp-server community {CANARY}bk2 RO\n",
        method="cli", facts={"excerpt": f"username admin secret 0 {CANARY}fa"})
    await store.update_device(
        record.id, "core-sw1", status="running", changed=True,
        diff=f"-enable secret 5 {CANARY}old\n+enable secret 5 {CANARY}new\n",
        lines_to_push=[f"snmp-server community {CANARY}lp RO"],
        pushed_lines=[f"snmp-server community {CANARY}pl RO"],
        dialogue=f"core-sw1(config)#enable secret 0 {CANARY}dg\n", backup_before_id=backup.id,
        error=f"core-sw1: rejected 'tacacs-server key 7 {CANARY}er': % Invalid input")
    await store.update_device(record.id, "core-sw1",
                              append_dialogue=f"Password: {CANARY}in\n")
    (step_id,) = await store.add_steps(record.id, [NewStep(
        1, "set community", "task", "core-sw1",
        rendered_content=f"snmp-server community {CANARY}rc RO",
        inputs={"community": f"snmp-server community {CANARY}si RO"})])
    await store.update_step(step_id, status="failed",
                            outputs={"show": [f"snmp-server community {CANARY}so RO"]},
                            error=f"rejected: enable secret 0 {CANARY}se")
    await store.append_event(record.id, "log", {"line": f"+enable secret 5 {CANARY}ev"})
    await store.set_status(record.id, "failed", error=f"enable secret 0 {CANARY}ex",
                           context={"rendered": f"snmp-server community {CANARY}cx RO"})
    return record.id


async def test_no_canary_secret_reaches_any_table(store: Store, store_url: str,
                                                  store_backend: str) -> None:
    execution_id = await _write_secrets_everywhere(store)

    for table in Base.metadata.sorted_tables:
        for row in sql_rows(store_url, f"SELECT * FROM {table.name}"):
            assert CANARY not in repr(row), f"{table.name} holds a secret: {row!r}"

    detail = await store.get_execution(execution_id)
    assert detail.execution.inputs["community_ref"] == "cred:snmp-ro"
    assert detail.execution.inputs["community"] == "********"
    (device,) = detail.devices
    assert device.diff == ("-enable secret 5 " + "*" * (len(CANARY) + 3) + "\n"
                           "+enable secret 5 " + "*" * (len(CANARY) + 3) + "\n")
    assert device.dialogue is not None and "Password: " + "*" * (len(CANARY) + 2) in (
        device.dialogue)

    if store_backend == "sqlite":
        database = Path(make_url(store_url).database or "")
        for closed in (False, True):  # the WAL file before the checkpoint, then the database
            if closed:
                await store.close()
            for path in database.parent.iterdir():
                assert CANARY.encode() not in path.read_bytes(), f"{path.name} holds a secret"


async def test_the_runner_group_commit_stores_no_secret_and_masks_each_backup_once(
        store: Store, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run's progress (backups, dialogue, diff, pushed lines) goes in masked once: a backup
    masked by `backup_row` is kept by its column as it is, and still nothing reaches a table."""
    late = f"LateCanary{uuid.uuid4().hex[:8]}"
    record = await store.create_execution(kind="run", workflow="snmp-community",
                                          requested_by="alice@jump1", inputs={},
                                          devices=["core-sw1", "edge-r1"])
    config = (f"hostname core-sw1\nenable secret 5 $1$mERr${CANARY}b1\n"
              f"snmp-server community {CANARY}b2 RO\nbanner motd {late}\n")
    GLOBAL_REDACTOR.add_secret(late)
    masked_texts: list[str] = []

    def spy(text: str) -> AlreadyMasked:
        masked_texts.append(text)
        return mask_for_store(text)

    monkeypatch.setattr(types, "mask_for_store", spy)
    results = await store.record_progress([
        DeviceProgress(record.id, "core-sw1", change={
            "status": "completed", "changed": True,
            "diff": f"+snmp-server community {CANARY}df RO\n",
            "pushed_lines": [f"snmp-server community {CANARY}pl RO"]},
            append_dialogue=(f"< username admin secret 0 {CANARY}dg\n"
                             f"> snmp-server community {CANARY}sn RO\n# Password: {late}\n"),
            backups={"backup_before_id": (config, "pre-change"),
                     "backup_after_id": (config.replace("b1", "b3"), "post-change")}),
        DeviceProgress(record.id, "edge-r1", append_dialogue=(
            # İ lower-cases to two characters; \r starts a line for `str.splitlines`
            f"İ\nenable secret 5 {CANARY}u1\nx\rsnmp-server community {CANARY}r1 RO\n"))])
    assert results == [None, None]
    assert sum(config.startswith("hostname") for config in masked_texts) == 2, \
        "each backup masked once"
    assert not any(isinstance(text, AlreadyMasked) for text in masked_texts)
    for table in Base.metadata.sorted_tables:
        for row in sql_rows(store_url, f"SELECT * FROM {table.name}"):
            assert CANARY not in repr(row) and late not in repr(row), \
                f"{table.name} holds a secret: {row!r}"
    [backup] = [b for b in await store.list_backups("core-sw1") if b.method == "pre-change"]
    kept = (await store.get_backup(backup.id)).config
    assert f"snmp-server community {'*' * (len(CANARY) + 2)} RO" in kept
    assert f"banner motd {'*' * len(late)}" in kept


def test_text_masked_for_the_store_is_masked_again_once_stale_or_edited() -> None:
    late = f"StaleCanary{uuid.uuid4().hex[:8]}"
    masked = mask_for_store(f"hostname r1\nbanner {late}\n")
    assert mask_text(masked) is masked, "masked once: the column keeps it as it is"
    edited = masked + f"enable secret 5 {CANARY}ed\n"
    assert CANARY not in mask_text(edited)
    GLOBAL_REDACTOR.add_secret(late)
    assert late not in mask_text(masked), "a secret registered since: masked again"


def test_a_short_text_masked_recently_is_reused_until_a_secret_is_registered(
        monkeypatch: pytest.MonkeyPatch) -> None:
    late = f"RecentCanary{uuid.uuid4().hex[:8]}"
    line = f"snmp-server community {CANARY}rl RO {late}"
    calls: list[str] = []

    def spy(text: str) -> AlreadyMasked:
        calls.append(text)
        return mask_for_store(text)

    monkeypatch.setattr(types, "mask_for_store", spy)
    first = mask_text(line)
    assert mask_text(line) is first and len(calls) == 1, "the same line, masked once"
    assert CANARY not in first and late in first
    GLOBAL_REDACTOR.add_secret(late)
    again = mask_text(line)
    assert late not in again and CANARY not in again and len(calls) == 2


def test_block_masking_finds_the_secret_line_after_text_that_grows_when_lower_cased() -> None:
    text = f"İstanbul PoP\nenable secret 5 {CANARY}lc\n< username a secret 0 {CANARY}dr\n"
    for masked in (Redactor().mask_block(text), mask_for_store(text)):
        assert CANARY not in masked
        assert masked.startswith("İstanbul PoP\nenable secret 5 ***")
