"""The provider contract: every driver in PROVIDERS, on each lab platform, over real SSH.

Given a lab device, when I push a change through a provider, then the device's own
`show running-config` has it; a line the device refuses is a ChangeRejected with the device's
message and the session is back out of config mode; every lab fault is the right typed error
within the configured timeout; and no secret is ever in the dialogue, the log or an error.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

import pytest
from tests.providers.conftest import (
    PLATFORMS,
    LabHandle,
    ProviderMaker,
    description_lines,
    first_interface,
    show_startup,
)

from nocdeck.credentials import LAB_ENABLE_SECRET, LAB_PASSWORD
from nocdeck.errors import (
    AuthenticationFailed,
    BadInput,
    ChangeRejected,
    DeviceTimeout,
    DeviceUnreachable,
)

pytestmark = pytest.mark.timeout(90)


def _tag() -> str:
    return f"nocdeck-{uuid.uuid4().hex[:8]}"


async def test_connect_and_read_running_config(make_provider: ProviderMaker, platform: str
                                               ) -> None:
    provider, dialogue = make_provider(platform)
    async with provider:
        running = await provider.get_running_config()
    hostname = provider.device.name
    assert (f"hostname {hostname}" in running) or (f"host-name {hostname}" in running)
    assert any(line.direction == "received" for line in dialogue)
    assert all(line.device == hostname for line in dialogue)


async def test_push_then_read_back_in_a_new_session(make_provider: ProviderMaker, platform: str
                                                    ) -> None:
    tag = _tag()
    provider, dialogue = make_provider(platform)
    interface = first_interface(provider.device)
    lines = description_lines(platform, interface, tag)
    async with provider:
        result = await provider.push_config(lines)
    assert result.lines_sent == tuple(lines)
    assert result.committed
    sent = [d.text for d in dialogue if d.direction == "sent"]
    assert all(line in sent for line in lines)

    reader, _ = make_provider(platform)
    async with reader:
        running = await reader.get_running_config()
        # still usable for reads after a push: the session left config mode
        assert tag in running


async def test_save_puts_the_change_in_startup_and_reload_restores_it(
        make_provider: ProviderMaker, platform: str, lab: LabHandle) -> None:
    if platform == "juniper_junos":
        pytest.skip("Junos has no startup config: a commit is what persists (tested below)")
    saved, unsaved = _tag(), _tag()
    provider, _ = make_provider(platform)
    interface = first_interface(provider.device)
    async with provider:
        result = await provider.push_config(description_lines(platform, interface, saved),
                                            save=True)
        assert result.saved
        assert saved in await show_startup(provider)
        await provider.push_config(description_lines(platform, interface, unsaved))
        running = await provider.get_running_config()
        assert unsaved in running and saved not in running
        assert unsaved not in await show_startup(provider)
    lab.reload(provider.device)
    reader, _ = make_provider(platform)
    async with reader:
        running = await reader.get_running_config()
    assert saved in running and unsaved not in running


async def test_save_config_on_its_own_saves_what_was_pushed_before(
        make_provider: ProviderMaker, platform: str) -> None:
    """The engine pushes each step unsaved and saves once every check passed."""
    if platform == "juniper_junos":
        pytest.skip("Junos has no startup config: a commit is what persists (tested below)")
    tag = _tag()
    provider, dialogue = make_provider(platform)
    interface = first_interface(provider.device)
    async with provider:
        await provider.push_config(description_lines(platform, interface, tag))
        assert tag not in await show_startup(provider)
        await provider.save_config()
        assert tag in await show_startup(provider)
    assert [d.text for d in dialogue if d.direction == "sent"].count("write memory") == 1


BANNERS = {"cisco_ios": ["banner motd ^C", "{tag}", "second line", "^C"],
           "arista_eos": ["banner motd", "{tag}", "second line", "EOF"],
           "juniper_junos": ['set system login message "{tag}\\nsecond line"']}


async def test_a_multi_line_banner_is_pushed_and_shown(make_provider: ProviderMaker,
                                                      platform: str) -> None:
    """A banner's lines get no prompt until its delimiter: the push must not wait for one."""
    tag = _tag()
    provider, _ = make_provider(platform)
    async with provider:
        started = time.monotonic()
        result = await provider.push_config([line.format(tag=tag) for line in BANNERS[platform]])
        assert time.monotonic() - started < 10  # no read waiting out the command timeout
        assert result.committed
        running = await provider.get_running_config()
    assert tag in running and "second line" in running


async def test_junos_commit_and_rollback(make_provider: ProviderMaker) -> None:
    first, second = _tag(), _tag()
    provider, _ = make_provider("juniper_junos")
    interface = first_interface(provider.device)
    async with provider:
        await provider.push_config(description_lines("juniper_junos", interface, first))
        await provider.push_config(description_lines("juniper_junos", interface, second))
        assert second in await provider.get_running_config()
        await provider.push_config(["rollback 1"])
        running = await provider.get_running_config()
    assert first in running and second not in running


async def test_junos_commit_confirmed_rolls_back_unless_confirmed(
        make_provider: ProviderMaker) -> None:
    kept, dropped = _tag(), _tag()
    provider, _ = make_provider("juniper_junos")
    interface = first_interface(provider.device)
    async with provider:
        result = await provider.push_config(description_lines("juniper_junos", interface, kept),
                                            confirm_minutes=1)
        assert not result.committed
        # a post-check's command reads what the command said, not the device's notice
        # before each prompt (`# commit confirmed will be rolled back in 1 minute`)
        shown = (await provider.run_commands(["show version"]))["show version"]
        assert "rolled back" not in shown and "Hostname:" in shown
        await provider.confirm_commit()
        result = await provider.push_config(
            description_lines("juniper_junos", interface, dropped), confirm_minutes=1)
        assert dropped in await provider.get_running_config()
        deadline = time.monotonic() + 15
        running = ""
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            running = await provider.get_running_config()
            if dropped not in running:
                break
    assert dropped not in running, "commit confirmed was not rolled back by the device"
    assert kept in running, "the confirmed commit must survive the later rollback"


async def test_commit_confirmed_is_refused_where_nothing_commits(make_provider: ProviderMaker
                                                                 ) -> None:
    provider, _ = make_provider("cisco_ios")
    with pytest.raises(BadInput, match="r1"):
        await provider.push_config(["hostname x"], confirm_minutes=1)


BAD_LINES = {
    "cisco_ios": "interface NoSuchThing99/zz frobnicate",
    "arista_eos": "frobnicate the widgets",
    "juniper_junos": "set frobnicate widgets",
}
DEVICE_MESSAGES = {
    "cisco_ios": "% Invalid input",
    "arista_eos": "% Invalid input",
    "juniper_junos": "syntax error",
}


async def test_a_rejected_line_is_named_and_config_mode_is_left(
        make_provider: ProviderMaker, platform: str) -> None:
    tag = _tag()
    provider, _ = make_provider(platform)
    interface = first_interface(provider.device)
    lines = [*description_lines(platform, interface, tag), BAD_LINES[platform]]
    async with provider:
        with pytest.raises(ChangeRejected) as caught:
            await provider.push_config(lines)
        assert caught.value.line == BAD_LINES[platform]
        assert DEVICE_MESSAGES[platform] in caught.value.device_message
        assert caught.value.device == provider.device.name
        # config mode was left: an exec-mode show works on the same session
        outputs = await provider.run_commands(["show version"])
        assert outputs["show version"].strip()
        running = await provider.get_running_config()
    if platform == "juniper_junos":
        assert tag not in running, "the rejected candidate must be discarded, not left pending"


async def test_run_commands_refuses_a_changing_command(make_provider: ProviderMaker) -> None:
    provider, _ = make_provider("cisco_ios")
    async with provider:
        for command in ("conf t", "configure terminal", "reload", "write memory"):
            with pytest.raises(BadInput, match="read-only"):
                await provider.run_commands([command])
        assert (await provider.run_commands(["show version"]))["show version"]


# -- faults ------------------------------------------------------------------------------
async def test_wrong_password_is_authentication_failed(make_provider: ProviderMaker,
                                                       platform: str) -> None:
    provider, _ = make_provider(platform, faults={"reject_login": True})
    started = time.monotonic()
    with pytest.raises(AuthenticationFailed) as caught:
        await provider.connect()
    assert time.monotonic() - started < provider.options.connect_timeout + 2
    assert provider.device.name in str(caught.value)
    await provider.close()


async def test_a_slow_device_within_the_timeout_still_works(make_provider: ProviderMaker
                                                            ) -> None:
    provider, _ = make_provider("cisco_ios", faults={"latency": 0.3}, command_timeout=2.0)
    async with provider:
        assert "hostname" in await provider.get_running_config()


async def test_a_device_slower_than_the_timeout_is_device_timeout(
        make_provider: ProviderMaker, platform: str) -> None:
    provider, _ = make_provider(platform, faults={"latency": 4.0}, command_timeout=1.0,
                                connect_timeout=2.0)
    started = time.monotonic()
    with pytest.raises(DeviceTimeout) as caught:
        async with provider:
            await provider.get_running_config()
    elapsed = time.monotonic() - started
    options = provider.options
    assert elapsed < options.connect_timeout + options.command_timeout + 2, elapsed
    assert provider.device.name in str(caught.value)


async def test_a_hanging_device_is_device_timeout(make_provider: ProviderMaker,
                                                  platform: str) -> None:
    provider, _ = make_provider(platform, faults={"hang": True}, command_timeout=1.0,
                                connect_timeout=2.0)
    started = time.monotonic()
    with pytest.raises(DeviceTimeout):
        async with provider:
            await provider.get_running_config()
    options = provider.options
    assert time.monotonic() - started < options.connect_timeout + options.command_timeout + 2


async def test_a_drop_mid_push_is_device_unreachable(make_provider: ProviderMaker,
                                                     platform: str) -> None:
    provider, _ = make_provider(platform, faults={"drop_after_config_lines": 2},
                                command_timeout=3.0)
    interface = first_interface(provider.device)
    lines = description_lines(platform, interface, _tag()) * 3
    async with provider:
        started = time.monotonic()
        with pytest.raises(DeviceUnreachable) as caught:
            await provider.push_config(lines)
        assert time.monotonic() - started < provider.options.command_timeout + 2
    assert provider.device.name in str(caught.value)


async def test_a_device_rejecting_a_command_is_change_rejected(
        make_provider: ProviderMaker, platform: str) -> None:
    tag = _tag()
    provider, _ = make_provider(platform, faults={"reject_commands": ["description"]})
    interface = first_interface(provider.device)
    async with provider:
        with pytest.raises(ChangeRejected) as caught:
            await provider.push_config(description_lines(platform, interface, tag))
        assert "description" in caught.value.line
        assert (await provider.run_commands(["show version"]))["show version"]


async def test_nothing_listens_is_device_unreachable(make_provider: ProviderMaker,
                                                     closed_port: int) -> None:
    provider, _ = make_provider("cisco_ios", port=closed_port)
    started = time.monotonic()
    with pytest.raises(DeviceUnreachable, match="refused"):
        await provider.connect()
    assert time.monotonic() - started < 3


# -- secrets -----------------------------------------------------------------------------
async def test_no_secret_in_dialogue_log_or_error(make_provider: ProviderMaker, platform: str,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    provider, dialogue = make_provider(platform)
    interface = first_interface(provider.device)
    errors: list[str] = []
    async with provider:
        await provider.push_config(description_lines(platform, interface, _tag()), save=True)
        await provider.get_running_config()
        try:
            await provider.push_config([BAD_LINES[platform]])
        except ChangeRejected as exc:
            errors.append(str(exc))
    failing, failing_dialogue = make_provider(platform, faults={"reject_login": True})
    try:
        await failing.connect()
    except AuthenticationFailed as exc:
        errors.append(str(exc))
    everything = "\n".join([caplog.text, *errors,
                            *(d.text for d in [*dialogue, *failing_dialogue])])
    assert errors
    for secret in (LAB_PASSWORD, LAB_ENABLE_SECRET):
        assert secret not in everything


async def test_a_secret_split_across_two_reads_is_masked(make_provider: ProviderMaker) -> None:
    provider, dialogue = make_provider("cisco_ios")
    half = len(LAB_ENABLE_SECRET) // 2
    provider.log_received(f"enable secret {LAB_ENABLE_SECRET[:half]}")
    provider.log_received(f"{LAB_ENABLE_SECRET[half:]}\nr1#")
    provider.flush_dialogue()
    provider.log_received(f"password is {LAB_PASSWORD[:3]}")
    provider.log_received(f"{LAB_PASSWORD[3:]} ok\n")
    texts = [d.text for d in dialogue]
    assert texts[0].startswith("enable secret ") and "*" in texts[0]
    assert texts[-1] == f"password is {'*' * len(LAB_PASSWORD)} ok"
    assert not any(LAB_ENABLE_SECRET in t or LAB_PASSWORD in t for t in texts)


async def test_a_secret_config_line_is_masked_where_it_is_sent(make_provider: ProviderMaker
                                                                ) -> None:
    provider, dialogue = make_provider("cisco_ios")
    async with provider:
        await provider.push_config(["username canary privilege 15 secret 0 Canary-S3cret-42"])
        running = await provider.get_running_config()
    assert "canary" in running
    assert not any("Canary-S3cret-42" in d.text for d in dialogue)


def test_every_contract_platform_is_in_the_lab() -> None:
    assert set(PLATFORMS) == {"cisco_ios", "arista_eos", "juniper_junos"}
