"""Pushing config lines over netmiko: one line at a time, so the rejected one is known.

Each line goes through `send_config_set` with the platform's `error_pattern`, so a line the
device refuses is never silently accepted: it becomes `ChangeRejected` with the line and the
device's own message. Config mode is always left afterwards, also after a rejection; on Junos
the partial candidate is discarded first (`rollback 0`) so a later commit cannot carry it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from netmiko import BaseConnection
from netmiko.exceptions import ConfigInvalidException

from nocdeck.errors import BadInput, ChangeRejected
from nocdeck.providers.base import PushResult, register_line_secrets
from nocdeck.providers.netmiko_platforms import NetmikoPlatform

if TYPE_CHECKING:
    from nocdeck.providers.netmiko_provider import NetmikoProvider


def _send_line(conn: BaseConnection, line: str, error_pattern: str, timeout: float
               ) -> tuple[str, str | None]:
    """Send one config line; return its output and the device's error message, if any."""
    try:
        output = conn.send_config_set(
            [line], enter_config_mode=False, exit_config_mode=False,
            error_pattern=error_pattern, read_timeout=timeout,
        )
    except ConfigInvalidException as exc:
        return "", str(exc).split(", matched error: ", 1)[-1].strip()
    return str(output), None


def _send_block(conn: BaseConnection, block: Sequence[str], platform: NetmikoPlatform,
                timeout: float) -> tuple[str, str | None]:
    """Send lines the device answers with one prompt (a banner's header, body and closing
    line) in one write; read to the config prompt; the error message, if any."""
    conn.write_channel("".join(conn.normalize_cmd(line) for line in block))
    output = str(conn.read_until_pattern(
        pattern=platform.prompt("config_prompt", conn.base_prompt), re_flags=re.M,
        read_timeout=timeout))
    problem = re.search(platform.error_pattern, output, flags=re.M)
    return output, problem.group(0).strip() if problem else None


def exchange(conn: BaseConnection, command: str, expect: str) -> str:
    """Send one line and read until `expect`: one round trip, no prompt probing.

    netmiko's `config_mode()` / `exit_config_mode()` check the mode before and after (three
    round trips each) and `send_command` looks for the prompt first; the expected prompt
    itself proves the mode, so one exchange does.
    """
    conn.write_channel(conn.normalize_cmd(command))
    return str(conn.read_until_pattern(pattern=expect, re_flags=re.M))


def enter_config(conn: BaseConnection, platform: NetmikoPlatform) -> str:
    return exchange(conn, platform.enter_config,
                    platform.prompt("config_prompt", conn.base_prompt))


def _commit(conn: BaseConnection, platform: NetmikoPlatform, confirm_minutes: int | None
            ) -> tuple[str, str | None]:
    """Junos `commit` (or `commit confirmed N`); return its output and any failure message."""
    if confirm_minutes is None:
        command, marker = "commit", "commit complete"
    else:
        command = f"commit confirmed {confirm_minutes}"
        marker = "commit confirmed will be automatically rolled back"
    output = exchange(conn, command, platform.prompt("config_prompt", conn.base_prompt))
    if marker in output:
        return output, None
    problems = [ln.strip() for ln in output.splitlines()
                if re.search(platform.error_pattern, ln, flags=re.I)]
    return output, "; ".join(problems) or f"{command} did not complete"


def _leave(conn: BaseConnection, platform: NetmikoPlatform, discard: bool) -> str:
    """Leave config mode; on Junos throw an uncommitted candidate away first."""
    base = conn.base_prompt
    output = ""
    if discard:
        output += exchange(conn, "rollback 0", platform.prompt("config_prompt", base))
    exec_prompt = platform.prompt("exec_prompt", base)
    output += exchange(conn, platform.leave_config, rf"{exec_prompt}|uncommitted changes.*$")
    if "uncommitted changes" in output:
        output += exchange(conn, "yes", exec_prompt)
    return output


def _save(conn: BaseConnection, platform: NetmikoPlatform) -> tuple[str, str | None]:
    """`write memory`; return its output and the device's complaint, if any."""
    output = exchange(conn, platform.save_command, platform.prompt("exec_prompt",
                                                                   conn.base_prompt))
    problem = re.search(platform.error_pattern, output, flags=re.M)
    return output, problem.group(0).strip() if problem else None


async def push(provider: NetmikoProvider, lines: list[str], *, save: bool,
               confirm_minutes: int | None) -> PushResult:
    """The netmiko provider's `push_config` (see `Provider.push_config`)."""
    platform = provider.platform
    device = provider.device.name
    if confirm_minutes is not None:
        if not platform.commits:
            raise BadInput(f"device {device}: commit confirmed needs a platform that commits; "
                           f"{platform.device_type} has none")
        if confirm_minutes < 1:
            raise BadInput(f"device {device}: commit confirmed needs at least 1 minute, "
                           f"got {confirm_minutes}")
    if not lines:
        return PushResult(device, (), saved=False, output="")

    timeout = provider.options.command_timeout
    outputs = [await provider.in_thread(lambda c: enter_config(c, platform),
                                        action="entering configuration mode")]
    rejected: ChangeRejected | None = None
    committed = True
    dialect = provider.dialect
    taken = 0
    for block in dialect.config_blocks(lines) if dialect else [[line] for line in lines]:
        for line in block:
            register_line_secrets(provider.redactor, line)
            provider.log_sent(line)
        if len(block) == 1:
            output, message = await provider.in_thread(
                lambda c, line=block[0]: _send_line(c, line, platform.error_pattern,  # type: ignore[misc]
                                                    timeout),
                action="a config line")
        else:  # a banner: one prompt, after its closing line
            output, message = await provider.in_thread(
                lambda c, block=block: _send_block(c, block, platform, timeout),  # type: ignore[misc]
                action="a banner")
        outputs.append(output)
        if message is not None:  # a candidate (Junos) is discarded: nothing was applied
            rejected = ChangeRejected(device, provider.redactor.mask_line(block[0]),
                                      provider.redactor.mask(message),
                                      () if platform.commits else tuple(lines[:taken]))
            break
        taken += len(block)
    if rejected is None and platform.commits:
        command = "commit" if confirm_minutes is None else f"commit confirmed {confirm_minutes}"
        provider.log_sent(command)
        output, message = await provider.in_thread(
            lambda c: _commit(c, platform, confirm_minutes), action=command)
        outputs.append(output)
        if message is not None:
            rejected = ChangeRejected(device, command, provider.redactor.mask(message))
        committed = confirm_minutes is None

    # Leave config mode whatever happened above (a timeout or a drop has already closed the
    # session, so only a rejection or success reaches here).
    discard = platform.commits and rejected is not None
    outputs.append(await provider.in_thread(lambda c: _leave(c, platform, discard),
                                            action="leaving configuration mode"))
    if rejected is not None:
        provider.log_info(str(rejected))
        raise rejected

    saved = platform.commits and committed
    if save and not platform.commits:
        outputs.append(await save_to_startup(provider, applied=tuple(lines)))
        saved = True
    return PushResult(device, tuple(provider.redactor.mask_line(ln) for ln in lines),
                      saved=saved, output=provider.redactor.mask("\n".join(outputs)),
                      committed=committed)


async def save_to_startup(provider: NetmikoProvider, *, applied: tuple[str, ...] = ()) -> str:
    """`write memory` (nothing where a commit persists): its output; ChangeRejected if the
    device refuses (`applied`: the lines already in the running config)."""
    platform = provider.platform
    if platform.commits:
        return ""
    provider.log_sent(platform.save_command)
    output, message = await provider.in_thread(lambda c: _save(c, platform),
                                               action="saving the configuration")
    if message is not None:
        raise ChangeRejected(provider.device.name, platform.save_command,
                             provider.redactor.mask(message), applied)
    return output


async def confirm(provider: NetmikoProvider) -> None:
    """Confirm a pending `commit confirmed` with a plain `commit` (Junos)."""
    platform = provider.platform
    provider.log_sent("commit")

    def commit_and_leave(conn: BaseConnection) -> tuple[str, str | None]:
        output = enter_config(conn, platform)
        more, message = _commit(conn, platform, None)
        return output + more + _leave(conn, platform, discard=message is not None), message

    _, message = await provider.in_thread(commit_and_leave, action="confirming the commit")
    if message is not None:
        raise ChangeRejected(provider.device.name, "commit", provider.redactor.mask(message))
