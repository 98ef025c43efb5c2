"""Each fault a device can be given, as an SSH client sees it, and set at run time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import asyncssh
import pytest

from nocdeck.credentials import LAB_ENABLE_SECRET
from nocdeck.errors import LabError
from nocdeck.lab import DeviceFaults, Lab, LabSpec, run_lab
from nocdeck.lab.faults import parse_fault
from tests.lab.term import Term

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def lab() -> AsyncIterator[Lab]:
    spec = LabSpec(devices=2, platforms=("cisco_ios", "arista_eos"),
                   faults={"r2": DeviceFaults(reject_login=True)})
    async with run_lab(spec) as running:
        yield running


async def test_reject_login_set_at_start_then_cleared_at_run_time(lab: Lab) -> None:
    with pytest.raises(asyncssh.PermissionDenied):
        await Term.open(lab.devices[1])
    lab.set_faults("r2", DeviceFaults())
    term = await Term.open(lab.devices[1])
    assert term.seen.rstrip().endswith("r2>")
    await term.close()


async def test_latency_per_command(lab: Lab) -> None:
    term = await Term.open(lab.devices[0])
    lab.set_faults("r1", DeviceFaults(latency=0.5))
    started = time.monotonic()
    await term.cmd("show vlan brief")
    assert time.monotonic() - started >= 0.5
    lab.set_faults("r1", DeviceFaults())
    started = time.monotonic()
    await term.cmd("show vlan brief")
    assert time.monotonic() - started < 0.5
    await term.close()


async def test_drop_after_n_config_lines_mid_push(lab: Lab) -> None:
    lab.set_faults("r1", DeviceFaults(drop_after_config_lines=2))
    term = await Term.open(lab.devices[0])
    await term.enable(LAB_ENABLE_SECRET)
    await term.cmd("configure terminal")
    await term.cmd("ntp server 10.9.9.1")
    await term.cmd("ntp server 10.9.9.2")
    term.send("ntp server 10.9.9.3\n")
    with pytest.raises((EOFError, asyncssh.ConnectionLost)):
        await term.read_until("never", timeout=5)
    running = lab.running_config("r1")
    assert "ntp server 10.9.9.2" in running and "ntp server 10.9.9.3" not in running
    assert lab.device("r1").journal[-1].line == "ntp server 10.9.9.3"


async def test_reject_lines_matching_a_pattern(lab: Lab) -> None:
    lab.set_faults("r1", DeviceFaults(reject_pattern=r"^ntp"))
    term = await Term.open(lab.devices[0])
    await term.enable(LAB_ENABLE_SECRET)
    await term.cmd("conf t")
    out = await term.cmd("ntp server 10.9.9.9")
    assert "% Invalid input detected at '^' marker." in out
    assert "% Invalid input" not in await term.cmd("logging host 10.9.9.9")
    await term.cmd("end")
    running = lab.running_config("r1")
    assert "ntp server 10.9.9.9" not in running and "logging host 10.9.9.9" in running
    await term.close()


async def test_hang_after_login_never_answers(lab: Lab) -> None:
    lab.set_faults("r1", DeviceFaults(hang_after_login=True))
    with pytest.raises(TimeoutError):
        await Term.open(lab.devices[0], timeout=1.0)
    info = lab.devices[0]
    async with asyncssh.connect(info.host, port=info.port, username=info.username,
                                password=info.password, known_hosts=None) as conn:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(conn.run("show version"), 1.0)


def test_fault_syntax_of_lab_up() -> None:
    faults = parse_fault("r2:slow=2.5")
    faults = parse_fault("r3:reject=^ntp", faults)
    faults = parse_fault("r3:drop-after=4", faults)
    faults = parse_fault("r4:hang", faults)
    faults = parse_fault("r5:reject-login", faults)
    assert faults["r2"] == DeviceFaults(latency=2.5)
    assert faults["r3"] == DeviceFaults(reject_pattern="^ntp", drop_after_config_lines=4)
    assert faults["r4"].hang_after_login and faults["r5"].reject_login
    for bad, said in [("r2", "expected NAME:FAULT"), ("r2:slow=fast", "'fast' is not a number"),
                      ("r2:explode", "unknown fault 'explode'"),
                      ("r2:reject=(", "not a valid regex"), ("r2:slow=-1", ">= 0")]:
        with pytest.raises(LabError, match=said):
            parse_fault(bad)
