"""Canary secrets: after a push, a failure and a DEBUG-logged run, no secret is anywhere.

Given a lab device re-keyed with a unique enable secret and a custom credential holding it,
and a unique password that the device refuses, when I push, fail and log everything at DEBUG
(asyncssh's own logger included) with every read of the shell cut into 3-character pieces,
then neither canary appears in the dialogue, the log, a result or an exception.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest

from nocdeck.credentials import LAB_PASSWORD, ResolvedCredentials, lab_credentials
from nocdeck.errors import AuthenticationFailed, ChangeRejected, DeviceError
from nocdeck.inventory.models import Device
from nocdeck.lab.faults import DeviceFaults
from nocdeck.lab.server import LabSpec
from nocdeck.lab.thread import LabThread
from nocdeck.providers.asyncssh_provider import AsyncsshProvider
from nocdeck.providers.asyncssh_shell import CliShell
from nocdeck.providers.base import DialogueLine, ProviderOptions

pytestmark = pytest.mark.timeout(60)
OPTIONS = ProviderOptions(connect_timeout=5, command_timeout=5)
ENABLE_CANARY = f"canary-enable-{uuid.uuid4().hex[:10]}"
PASSWORD_CANARY = f"canary-pass-{uuid.uuid4().hex[:10]}"
USER_CANARY = f"canary-user-{uuid.uuid4().hex[:10]}"
CANARIES = (ENABLE_CANARY, PASSWORD_CANARY, USER_CANARY)


@pytest.fixture(scope="module")
def lab() -> Iterator[LabThread]:
    """r1 (IOS) whose enable secret is the canary, set the way an operator would: a push."""
    import asyncio

    with LabThread(LabSpec(devices=1)) as running:
        device = next(iter(running.inventory()))

        async def rekey() -> None:
            async with AsyncsshProvider(device, lab_credentials(device.platform),
                                        options=OPTIONS) as provider:
                await provider.push_config([f"enable secret {ENABLE_CANARY}"])

        asyncio.run(rekey())
        yield running


@pytest.fixture
def split_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read from the shell returns at most 3 characters: each secret spans reads."""
    monkeypatch.setattr(CliShell, "read_size", 3)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="asyncssh")
    return caplog


def _canary_credentials(password: str = LAB_PASSWORD) -> ResolvedCredentials:
    return ResolvedCredentials(username="admin", password=password,
                               enable_secret=ENABLE_CANARY, use_keys=False,
                               reference="cred:canary")


def _everything(dialogue: list[DialogueLine], caplog: pytest.LogCaptureFixture,
                *extra: object) -> str:
    logged = [caplog.text, *(r.getMessage() for r in caplog.records),
              *(repr(r.args) for r in caplog.records)]
    said = [line.text for line in dialogue]
    return "\n".join([*logged, *said, *(repr(x) for x in extra), *(str(x) for x in extra)])


def _assert_no_canary(text: str) -> None:
    for canary in CANARIES:
        assert canary not in text
        # nor its halves: a secret cut at a read boundary must not leak piecewise either
        assert canary[len(canary) // 2:] not in text


def _device(lab: LabThread) -> Device:
    return next(iter(lab.inventory()))


async def test_a_push_with_secrets_leaves_no_canary(lab: LabThread, split_reads: None,
                                                    debug_logs: pytest.LogCaptureFixture
                                                    ) -> None:
    dialogue: list[DialogueLine] = []
    provider = AsyncsshProvider(_device(lab), _canary_credentials(), options=OPTIONS,
                                on_dialogue=dialogue.append)
    async with provider:
        result = await provider.push_config([
            f"username operator privilege 15 secret {USER_CANARY}",
            "interface GigabitEthernet1/0/5",
            f"description remote hands {ENABLE_CANARY}",
        ], save=True)
        running = await provider.get_running_config()
    assert result.saved
    assert "username operator privilege 15 secret 9 $9$" in running  # the device hashed it
    assert any(line.text == "********" for line in dialogue)  # the enable answer, hidden
    assert any("description remote hands ****" in line.text for line in dialogue
               if line.direction == "received")  # the echo, read 3 characters at a time
    _assert_no_canary(_everything(dialogue, debug_logs, result, result.output,
                                  result.lines_sent))


async def test_a_refused_line_carrying_a_secret_leaves_no_canary(
        lab: LabThread, split_reads: None, debug_logs: pytest.LogCaptureFixture) -> None:
    dialogue: list[DialogueLine] = []
    lab.set_faults("r1", DeviceFaults(reject_pattern=r"^username"))
    try:
        provider = AsyncsshProvider(_device(lab), _canary_credentials(), options=OPTIONS,
                                    on_dialogue=dialogue.append)
        async with provider:
            with pytest.raises(ChangeRejected) as rejected:
                await provider.push_config([f"username temp secret {USER_CANARY}"])
    finally:
        lab.set_faults("r1", DeviceFaults())
    error = rejected.value
    assert error.line.startswith("username temp secret ***")
    _assert_no_canary(_everything(dialogue, debug_logs, error, error.line,
                                  error.device_message, error.args))


async def test_a_refused_login_leaves_no_canary(lab: LabThread,
                                                debug_logs: pytest.LogCaptureFixture) -> None:
    dialogue: list[DialogueLine] = []
    provider = AsyncsshProvider(_device(lab), _canary_credentials(PASSWORD_CANARY),
                                options=OPTIONS, on_dialogue=dialogue.append)
    with pytest.raises(AuthenticationFailed) as refused:
        await provider.connect()
    assert str(refused.value).startswith("r1: login refused for user 'admin'")
    assert any(r.name.startswith("asyncssh") for r in debug_logs.records)
    _assert_no_canary(_everything(dialogue, debug_logs, refused.value, refused.value.args,
                                  provider.credentials))


async def test_a_wrong_enable_answer_is_never_echoed(lab: LabThread, split_reads: None,
                                                     debug_logs: pytest.LogCaptureFixture
                                                     ) -> None:
    """The canary typed at `Password:` for a device expecting another secret stays hidden."""
    dialogue: list[DialogueLine] = []
    lab_device = _device(lab)
    provider = AsyncsshProvider(lab_device, ResolvedCredentials(
        username="admin", password=LAB_PASSWORD, enable_secret=PASSWORD_CANARY,
        use_keys=False, reference="cred:canary"), options=OPTIONS, on_dialogue=dialogue.append)
    with pytest.raises(DeviceError) as failed:
        await provider.connect()
    await provider.close()
    _assert_no_canary(_everything(dialogue, debug_logs, failed.value, failed.value.args))
