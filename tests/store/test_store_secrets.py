"""No secret is ever stored: every path that writes text or JSON masks it on the way in."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from nocdeck.store import NewStep, Store
from nocdeck.store.models import Base
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
