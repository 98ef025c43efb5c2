"""What the asyncssh provider adds to the contract: one session per run, live dialogue, recovery.

Given lab devices over real SSH, when a workflow run makes many calls on one provider, the
device sees one login and one shell; the dialogue reaches the UI while the device is still
answering; after a timeout the next call logs in again; a Junos rejection leaves nothing
uncommitted behind.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from nocdeck.credentials import LAB_PASSWORD, ResolvedCredentials, lab_credentials
from nocdeck.errors import AuthenticationFailed, BadInput, ChangeRejected, DeviceTimeout
from nocdeck.inventory.models import Device
from nocdeck.lab.faults import DeviceFaults
from nocdeck.lab.server import LabSpec
from nocdeck.lab.thread import LabThread
from nocdeck.providers.asyncssh_provider import AsyncsshProvider
from nocdeck.providers.asyncssh_shell import CliShell
from nocdeck.providers.base import DialogueLine, ProviderOptions

pytestmark = pytest.mark.timeout(60)
FAST = ProviderOptions(connect_timeout=5, command_timeout=2)


@pytest.fixture(scope="module")
def lab() -> Iterator[LabThread]:
    with LabThread(LabSpec(devices=6)) as running:
        yield running


def _device(lab: LabThread, name: str) -> Device:
    return next(d for d in lab.inventory() if d.name == name)


def _provider(lab: LabThread, name: str, *, options: ProviderOptions = FAST,
              dialogue: list[DialogueLine] | None = None) -> AsyncsshProvider:
    device = _device(lab, name)
    sink = dialogue.append if dialogue is not None else None
    return AsyncsshProvider(device, lab_credentials(device.platform), options=options,
                            on_dialogue=sink)


async def test_one_login_and_one_shell_serve_a_whole_run(lab: LabThread) -> None:
    before = {entry.session for entry in lab.journal("r1")}
    provider = _provider(lab, "r1")
    async with provider:
        await provider.get_running_config()
        await provider.run_commands(["show version", "show ip interface brief"])
        await provider.push_config(["interface GigabitEthernet1/0/3",
                                    "description one-session"], save=True)
        assert "description one-session" in await provider.get_running_config()
    sessions = {entry.session for entry in lab.journal("r1")} - before
    assert len(sessions) == 1


async def test_the_dialogue_arrives_while_the_device_is_still_answering(lab: LabThread) -> None:
    lab.set_faults("r4", DeviceFaults(latency=0.4))
    try:
        seen: list[tuple[float, DialogueLine]] = []
        provider = _provider(lab, "r4", options=ProviderOptions(connect_timeout=5,
                                                                command_timeout=5))
        provider._on_dialogue = lambda line: seen.append((time.monotonic(), line))
        async with provider:
            await provider.run_commands(["show version", "show vlan brief"])
            done = time.monotonic()
    finally:
        lab.set_faults("r4", DeviceFaults())
    sent = [(at, line.text) for at, line in seen if line.direction == "sent"]
    second_sent = next(at for at, text in sent if text == "show vlan brief")
    version_lines = [at for at, line in seen
                     if line.direction == "received" and "uptime" in line.text.lower()]
    assert version_lines, "show version's output never reached the dialogue"
    # show version's answer was streamed before the next command went out, and well before
    # the call returned (the slow device still had a whole exchange to go)
    assert version_lines[0] < second_sent
    assert done - version_lines[0] >= 0.3


async def test_after_a_timeout_the_next_call_logs_in_again(lab: LabThread) -> None:
    provider = _provider(lab, "r2")
    async with provider:
        lab.set_faults("r2", DeviceFaults(latency=3.0))
        try:
            started = time.monotonic()
            with pytest.raises(DeviceTimeout, match=r"^r2: no answer for 2s during"):
                await provider.run_commands(["show version"])
            assert time.monotonic() - started < 4
        finally:
            lab.set_faults("r2", DeviceFaults())
        assert "hostname r2" in await provider.get_running_config()


@pytest.mark.parametrize("read_size", [65536, 5], ids=["whole", "5-byte-reads"])
async def test_junos_lines_are_typed_ahead_and_each_answer_is_read(
        lab: LabThread, read_size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CliShell, "read_size", read_size)  # prompts split across reads
    dialogue: list[DialogueLine] = []
    provider = _provider(lab, "r3", dialogue=dialogue)
    lines = [f'set interfaces ge-0/0/{port} description "ahead {read_size} {port}"'
             for port in (1, 2, 3)]
    async with provider:
        result = await provider.push_config(lines)
        config = await provider.get_running_config()
    assert result.committed and "commit complete" in result.output
    assert all(f'description "ahead {read_size} {port}";' in config for port in (1, 2, 3))
    # One write: every line went out before the device's first answer came back.
    record = [(line.direction, line.text) for line in dialogue]
    first = record.index(("sent", lines[0]))
    assert record[first:first + 3] == [("sent", line) for line in lines]
    assert record[first + 3][0] == "received"


async def test_a_junos_rejection_leaves_nothing_uncommitted(lab: LabThread) -> None:
    dialogue: list[DialogueLine] = []
    provider = _provider(lab, "r3", dialogue=dialogue)
    typed = ['set interfaces ge-0/0/2 description "half"',
             "set interfaces ge-0/0/2 frobnicate now",
             'set interfaces ge-0/0/4 description "after"']
    async with provider:
        with pytest.raises(ChangeRejected) as rejected:
            await provider.push_config(typed)
        assert rejected.value.line == "set interfaces ge-0/0/2 frobnicate now"
        assert "syntax error" in rejected.value.device_message
        assert rejected.value.applied == ()
    sent = [line.text for line in dialogue if line.direction == "sent"]
    # Typed ahead: the line after the refused one reached the device too, and the record
    # says so; the candidate holding it is thrown away.
    assert sent[-5:] == [*typed, "rollback 0", "exit configuration-mode"]
    reader = _provider(lab, "r3")
    async with reader:
        config = await reader.get_running_config()
    assert '"half"' not in config and '"after"' not in config


async def test_a_wrong_enable_secret_is_authentication_failed(lab: LabThread) -> None:
    device = _device(lab, "r5")
    wrong = ResolvedCredentials(username="admin", password=LAB_PASSWORD,
                                enable_secret="not-the-enable", use_keys=False,
                                reference="cred:wrong-enable")
    provider = AsyncsshProvider(device, wrong, options=FAST)
    with pytest.raises(AuthenticationFailed) as refused:
        await provider.connect()
    assert str(refused.value) == ("r5: enable refused: check the enable secret of credential "
                                  "'cred:wrong-enable'")
    await provider.close()


def test_an_unknown_platform_is_refused_before_connecting() -> None:
    device = Device(name="fw1", platform="paloalto_panos", host="127.0.0.1", port=9)
    with pytest.raises(BadInput, match=r"^device fw1: unknown platform 'paloalto_panos'"):
        AsyncsshProvider(device, lab_credentials("cisco_ios"))


def test_credentials_without_password_or_keys_are_refused_before_connecting() -> None:
    device = Device(name="sw9", platform="cisco_ios", host="127.0.0.1", port=9)
    nothing = ResolvedCredentials(username="admin", use_keys=False, reference="cred:empty")
    with pytest.raises(BadInput, match="sw9: credential 'cred:empty' has no password"):
        AsyncsshProvider(device, nothing)


async def test_the_session_sends_no_ignore_packets(lab: LabThread,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    """No CBC cipher is offered, so asyncssh's empty SSH_MSG_IGNORE before each packet (its
    guard for CBC) is not sent once the session is up: half the packets to encrypt."""
    import asyncssh

    provider = _provider(lab, "r2")
    asyncssh.set_debug_level(3)
    try:
        async with provider:
            with caplog.at_level("DEBUG", logger="asyncssh"):
                await provider.run_commands(["show version"])
                await provider.push_config(["interface Ethernet3", "description no-chaff"])
    finally:
        asyncssh.set_debug_level(1)
    sent = [r.getMessage() for r in caplog.records if " Sent MSG_" in r.getMessage()]
    assert any("Sent MSG_CHANNEL_DATA" in m for m in sent), "packet logging is on"
    assert not [m for m in sent if "Sent MSG_IGNORE" in m]
