"""The provider host: what only a second process can get wrong, against the real lab.

(The provider contract suite also runs whole through the host, as `asyncssh-host`.) Given a
command served by a provider host, when the host dies mid-call, then the call fails naming
the device and the next providers run in nocdeck's own process; when the host cannot start,
the device is worked on in-process; a call the engine stops waiting for is cancelled in the
host; a secret nocdeck learns after a session opened is masked by the host too; the host
logs at nocdeck's level with secrets masked; and it exits when nocdeck is killed.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from tests.fixtures.processes import gone, running
from tests.providers.conftest import LabHandle, description_lines, faulty, first_interface

from nocdeck.config import Settings
from nocdeck.credentials import LAB_ENABLE_SECRET, LAB_PASSWORD
from nocdeck.errors import ChangeRejected, DeviceError
from nocdeck.providers import host as host_module
from nocdeck.providers.base import DialogueLine, ProviderOptions
from nocdeck.providers.host import RemoteProvider, provider_host, serving_host
from nocdeck.providers.registry import provider_for
from nocdeck.redaction import GLOBAL_REDACTOR

pytestmark = pytest.mark.timeout(90)

HOSTED = Settings(provider="asyncssh", provider_host="on", connect_timeout=5.0,
                  command_timeout=5.0)


async def test_a_host_that_dies_mid_call_fails_the_call_naming_the_device(lab: LabHandle
                                                                          ) -> None:
    with faulty(lab, "cisco_ios", {"latency": 2.0}) as device, \
            provider_host(HOSTED) as host:
        assert host is not None
        provider = provider_for(device, HOSTED)
        assert isinstance(provider, RemoteProvider)
        reading = asyncio.create_task(provider.connect())
        await asyncio.sleep(0.8)  # logged in, waiting for the slow device's prompt
        host.process.send_signal(signal.SIGKILL)
        with pytest.raises(DeviceError) as caught:
            await reading
        assert caught.value.device == device.name
        assert "provider host process stopped" in str(caught.value)
        assert serving_host() is None
        # What comes next runs in this process and works.
        healthy = lab.device("cisco_ios")
        local = provider_for(healthy, HOSTED)
        assert not isinstance(local, RemoteProvider)
        async with local:
            assert "hostname" in await local.get_running_config()


async def test_a_session_opened_in_a_host_that_died_reconnects_in_this_process(
        lab: LabHandle) -> None:
    """The plan's connections live in the host; a run adopts them. After the host died
    between two calls, the next call reconnects here (as after a dropped connection)."""
    from nocdeck.engine.session import DeviceSession

    device = lab.device("cisco_ios")
    with provider_host(HOSTED) as host:
        assert host is not None
        planned = provider_for(device, HOSTED)
        await planned.connect()  # the plan's read: its session is in the host
        host.process.send_signal(signal.SIGKILL)
        while serving_host() is not None:  # the parent sees its end close
            await asyncio.sleep(0.01)
        session = DeviceSession(device, HOSTED, execution_id="x", sink=lambda _: None,
                                retries=0, backoff=0.0)
        session.adopt(planned)
        running = await session.call(lambda p: p.get_running_config())
        await session.close()
    assert "hostname" in running
    assert any("reconnecting" in line for line in session.dialogue), session.dialogue


async def test_a_host_that_cannot_start_leaves_the_work_in_this_process(
        lab: LabHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/bin/false")  # an interpreter that cannot run
    monkeypatch.setattr(host_module, "READY_TIMEOUT", 5.0)
    dialogue: list[DialogueLine] = []
    with provider_host(HOSTED):
        provider = provider_for(lab.device("arista_eos"), HOSTED, on_dialogue=dialogue.append)
        assert isinstance(provider, RemoteProvider)
        started = time.monotonic()
        async with provider:
            running = await provider.get_running_config()
    assert "hostname" in running
    assert time.monotonic() - started < 5
    notes = [line.text for line in dialogue if line.direction == "info"]
    assert any("provider host process stopped" in note and "own process" in note
               for note in notes), notes


async def test_a_call_nobody_waits_for_is_cancelled_in_the_host(lab: LabHandle) -> None:
    with faulty(lab, "juniper_junos", {"latency": 1.5}) as slow, \
            provider_host(HOSTED) as host:
        assert host is not None
        provider = provider_for(slow, HOSTED)
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(provider.connect(), 0.5)
        assert time.monotonic() - started < 1.5
        # The host dropped the call (no answer arrives for it) and serves the next ones.
        healthy = provider_for(lab.device("cisco_ios"), HOSTED)
        async with healthy:
            assert "hostname" in await healthy.get_running_config()
        await provider.close()
        assert host.failed is None


async def test_a_secret_learned_after_the_session_opened_is_masked_by_the_host(
        lab: LabHandle) -> None:
    tag = f"tag{uuid.uuid4().hex[:10]}"
    device = lab.device("cisco_ios")
    dialogue: list[DialogueLine] = []
    with provider_host(HOSTED):
        provider = provider_for(device, HOSTED, on_dialogue=dialogue.append)
        async with provider:
            await provider.push_config(description_lines("cisco_ios", first_interface(device),
                                                         tag))
            GLOBAL_REDACTOR.add_secret(tag)  # as a secret input of a run would be
            dialogue.clear()
            running = await provider.get_running_config()
    assert tag in running  # the config itself, for the backup, is the device's own
    received = "\n".join(line.text for line in dialogue if line.direction == "received")
    assert "*" * len(tag) in received
    assert tag not in received


async def test_a_rejected_line_crosses_as_change_rejected_with_what_was_applied(
        lab: LabHandle) -> None:
    tag = f"tag{uuid.uuid4().hex[:10]}"
    with faulty(lab, "arista_eos", {"reject_commands": ["ntp server"]}) as device, \
            provider_host(HOSTED):
        lines = [*description_lines("arista_eos", first_interface(device), tag),
                 "ntp server 192.0.2.1"]
        provider = provider_for(device, HOSTED)
        async with provider:
            with pytest.raises(ChangeRejected) as caught:
                await provider.push_config(lines)
    rejected = caught.value
    assert rejected.device == device.name
    assert rejected.line == "ntp server 192.0.2.1"
    assert rejected.applied == tuple(lines[:-1])
    assert "Invalid input" in rejected.device_message


async def test_the_host_logs_at_nocdecks_level_with_secrets_masked(
        lab: LabHandle, capfd: pytest.CaptureFixture[str]) -> None:
    import logging

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        with provider_host(HOSTED):
            provider = provider_for(lab.device("cisco_ios"), HOSTED,
                                    options=ProviderOptions(5.0, 5.0))
            async with provider:
                await provider.get_running_config()
    finally:
        root.setLevel(level)
    err = capfd.readouterr().err
    assert "(provider host)" in err and "asyncssh" in err
    assert LAB_PASSWORD not in err and LAB_ENABLE_SECRET not in err


def test_the_host_exits_when_nocdeck_is_killed(lab: LabHandle, tmp_path: Path) -> None:
    script = tmp_path / "holder.py"
    script.write_text(textwrap.dedent(f"""
        import asyncio, sys
        from nocdeck.config import Settings
        from nocdeck.inventory import load_inventory
        from nocdeck.providers.host import provider_host
        from nocdeck.providers.registry import provider_for

        settings = Settings(provider_host="on")
        device = load_inventory({str(lab.inventory_path)!r}).get("r1")

        async def main():
            provider = provider_for(device, settings)
            await provider.connect()
            print("HOST", provider._host.process.pid, flush=True)
            await asyncio.sleep(60)

        with provider_host(settings):
            asyncio.run(main())
    """))
    holder = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        line = holder.stdout.readline()
        assert line.startswith("HOST "), line
        pid = int(line.split()[1])
        assert running(pid)
        holder.kill()
        holder.wait()
        assert gone(pid, 5), "the provider host outlived nocdeck"
    finally:
        if holder.poll() is None:
            holder.kill()


def test_the_host_gets_what_a_session_reads_and_none_of_the_inventory_data(
        lab: LabHandle) -> None:
    device = lab.device("cisco_ios")
    assert device.interfaces  # the lab's devices carry their ports
    view = host_module.session_view(device)
    # Everything a provider reads to log in and talk to the device is there...
    for name in ("name", "platform", "host", "port", "credentials", "username",
                 "host_key_check", "provider", "manufacturer", "software_version"):
        assert getattr(view, name) == getattr(device, name), name
    # ...and nothing of the inventory it never reads (it would cross the socket per device).
    assert (view.interfaces, view.vlans, view.vrfs, view.prefixes, view.ip_addresses,
            view.vars) == ([], [], [], [], [], {})
    assert device.interfaces  # the engine's own copy is untouched
