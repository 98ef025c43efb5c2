"""A person at `ssh -p PORT admin@127.0.0.1`: prompts, modes, enable, paging, exec, journal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncssh
import pytest

from nocdeck.credentials import LAB_ENABLE_SECRET
from nocdeck.lab import Lab, LabSpec, run_lab
from tests.lab.term import Term

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def lab() -> AsyncIterator[Lab]:
    async with run_lab(LabSpec(devices=2, platforms=("cisco_ios", "arista_eos"))) as running:
        yield running


@pytest.mark.parametrize("name", ["r1", "r2"])
async def test_modes_and_prompts(lab: Lab, name: str) -> None:
    info = next(i for i in lab.devices if i.name == name)
    term = await Term.open(info)
    assert term.seen.rstrip().endswith(f"{name}>")
    await term.cmd("enable", until="Password: ")
    after = await term.cmd(LAB_ENABLE_SECRET)
    assert after.rstrip().endswith(f"{name}#")
    assert LAB_ENABLE_SECRET not in term.seen, "the enable secret was echoed"
    assert (await term.cmd("conf t")).rstrip().endswith(f"{name}(config)#")
    assert (await term.cmd("int vlan 99")).rstrip().endswith(f"{name}(config-if)#")
    assert (await term.cmd("vlan 77")).rstrip().endswith(f"{name}(config-vlan)#")
    assert (await term.cmd("exit")).rstrip().endswith(f"{name}(config)#")
    assert (await term.cmd("end")).rstrip().endswith(f"{name}#")
    assert (await term.cmd("disable")).rstrip().endswith(f"{name}>")
    term.send("exit\n")
    await asyncio.wait_for(term.process.wait_closed(), 5)
    assert term.process.exit_status == 0
    await term.close()


async def test_wrong_enable_secret_is_refused(lab: Lab) -> None:
    term = await Term.open(lab.devices[0])
    await term.cmd("enable", until="Password: ")
    out = await term.cmd("not-the-secret")
    assert "% Access denied" in out
    assert out.rstrip().endswith("r1>")
    assert "not-the-secret" not in term.seen
    await term.close()


async def test_invalid_input_points_a_caret_at_the_bad_word(lab: Lab) -> None:
    ios = await Term.open(lab.devices[0])
    out = await ios.cmd("show versoin")
    lines = out.splitlines()
    caret = next(line for line in lines if line.strip() == "^")
    assert caret.index("^") == len("r1>show vers")
    assert "% Invalid input detected at '^' marker." in out
    assert '% Ambiguous command:  "e"' in await ios.cmd("e")
    assert "% Incomplete command." in await ios.cmd("show ip")
    eos = await Term.open(lab.devices[1])
    assert "% Invalid input" in await eos.cmd("shw version")
    await ios.close()
    await eos.close()


async def test_line_endings_backspace_and_no_pty(lab: Lab) -> None:
    term = await Term.open(lab.devices[0])
    await term.cmd("terminal length 0")
    term.send("show verx\x7fsion\r")
    assert "Cisco IOS Software" in await term.read_until("r1>")
    term.send("show version\r\n")
    assert "Cisco IOS Software" in await term.read_until("r1>")
    await term.close()
    plain = await Term.open(lab.devices[0], pty=False)
    await plain.cmd("terminal length 0")
    out = await plain.cmd("show version")
    assert "Cisco IOS Software" in out and "\r" not in out
    assert not out.startswith("show version"), "no echo without a PTY"
    await plain.close()


async def test_paging_with_more(lab: Lab) -> None:
    term = await Term.open(lab.devices[0])
    await term.enable(LAB_ENABLE_SECRET)
    first = await term.cmd("show running-config", until="--More--")
    assert first.count("\n") <= 24
    term.send(" ")
    second = await term.read_until("--More--")
    assert "--More--" in second
    term.send("q")
    await term.read_until("r1#")
    assert "end\r\n" not in term.seen, "q stops the output"
    await term.cmd("terminal length 0")
    everything = await term.cmd("show running-config")
    assert "--More--" not in everything and "\r\nend\r\n" in everything
    await term.close()


async def test_exec_request_answers_one_command(lab: Lab) -> None:
    info = lab.devices[1]
    async with asyncssh.connect(info.host, port=info.port, username=info.username,
                                password=info.password, known_hosts=None) as conn:
        result = await asyncio.wait_for(conn.run("show version"), 5)
    assert result.exit_status == 0
    assert str(result.stdout).startswith("Arista ")


async def test_a_change_shows_in_a_later_session_and_journal_has_modes(lab: Lab) -> None:
    term = await Term.open(lab.devices[0])
    await term.enable(LAB_ENABLE_SECRET)
    await term.cmd("configure terminal")
    await term.cmd("interface gi1/0/5")
    await term.cmd("description core link to dc1")
    await term.cmd("end")
    await term.close()
    later = await Term.open(lab.devices[0])
    await later.enable(LAB_ENABLE_SECRET)
    await later.cmd("terminal length 0")
    out = await later.cmd("show running-config interface GigabitEthernet1/0/5")
    assert "description core link to dc1" in out
    await later.close()
    journal = [(e.line, e.mode) for e in lab.device("r1").journal]
    assert ("interface gi1/0/5", "config") in journal
    assert ("description core link to dc1", "config-if") in journal
    assert ("********", "password") in journal
    assert all(LAB_ENABLE_SECRET not in line for line, _mode in journal)
    assert [e.line for e in lab.device("r1").journal if e.is_config] == [
        "interface gi1/0/5", "description core link to dc1", "end"]


async def test_running_differs_from_startup_until_write_memory_and_reload_restores(
        lab: Lab) -> None:
    term = await Term.open(lab.devices[0])
    await term.enable(LAB_ENABLE_SECRET)
    await term.cmd("term len 0")
    await term.cmd("conf t")
    await term.cmd("hostname edge-7")
    out = await term.cmd("end")
    assert out.rstrip().endswith("edge-7#")
    assert "hostname edge-7" not in await term.cmd("show startup-config")
    await term.cmd("copy run start", until=r"Destination filename \[startup-config\]\? ")
    assert "[OK]" in await term.cmd("")
    assert "hostname edge-7" in await term.cmd("show startup-config")
    await term.cmd("conf t")
    await term.cmd("hostname temporary")
    await term.cmd("end")
    await term.cmd("reload", until=r"\[confirm\]")
    term.send("\n")
    await asyncio.wait_for(term.process.wait_closed(), 5)
    await term.close()
    assert lab.running_config("r1").count("hostname edge-7") == 1


async def test_the_lab_sends_no_ignore_packets_as_devices_send_none(
        lab: Lab, caplog: pytest.LogCaptureFixture) -> None:
    """asyncssh's server would put an empty SSH_MSG_IGNORE before every packet; the lab's
    devices, like real ones, do not (the client's own still go out: logging sees them)."""
    asyncssh.set_debug_level(3)
    try:
        with caplog.at_level("DEBUG", logger="asyncssh"):
            term = await Term.open(lab.devices[0], timeout=30)
            await term.cmd("terminal length 0", timeout=30)
            out = await term.cmd("show version", timeout=30)
            client = term.conn.logger._context  # `conn=N`: this connection's log lines
            await term.close()
    finally:
        asyncssh.set_debug_level(1)
    assert "Cisco IOS Software" in out
    mine = [m for m in (r.getMessage() for r in caplog.records)
            if m.startswith((f"[{client}]", f"[{client},"))]
    assert any("Sent MSG_IGNORE" in m for m in mine), "packet logging is on: chaff is seen"
    assert any("Received MSG_CHANNEL_DATA" in m for m in mine)
    assert not [m for m in mine if "Received MSG_IGNORE" in m]


@pytest.mark.parametrize("method", ["password", "keyboard-interactive"])
async def test_logins_check_the_password_each_time(lab: Lab, method: str) -> None:
    info = lab.devices[0]
    options = {"known_hosts": None, "config": None, "client_keys": None, "agent_path": None,
               "preferred_auth": method}
    for _ in range(2):  # the server's options are the same at every login
        with pytest.raises(asyncssh.PermissionDenied):
            await asyncssh.connect(info.host, info.port, username=info.username,
                                   password="wrong", **options)
        async with asyncssh.connect(info.host, info.port, username=info.username,
                                    password=info.password, **options) as conn:
            result = await conn.run("show version", check=True)
            assert "Cisco IOS Software" in str(result.stdout)
