"""Pushing config lines over netmiko: one line at a time, so the rejected one is known.

Each line goes through `send_config_set` with the platform's `error_pattern`, so a line the
device refuses is never silently accepted: it becomes `ChangeRejected` with the line and the
device's own message. Config mode is always left afterwards, also after a rejection; on Junos
the partial candidate is discarded first (`rollback 0`) so a later commit cannot carry it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from netmiko import BaseConnection
from netmiko.exceptions import ConfigInvalidException
from netmiko.juniper.juniper import JuniperBase

from nocdeck.errors import BadInput, ChangeRejected
from nocdeck.providers.base import PushResult
from nocdeck.redaction import GLOBAL_REDACTOR, Redactor, mask_config_line

if TYPE_CHECKING:
    from nocdeck.providers.netmiko_provider import NetmikoProvider


def register_line_secrets(redactor: Redactor, line: str) -> None:
    """Register the secret field of a secret-bearing config line as a known secret.

    The device echoes the line after its prompt (`r1(config)#username x secret …`), where the
    line patterns, anchored at the line start, would not see it; a known secret is masked
    anywhere.
    """
    masked, count = mask_config_line(line)
    if count:
        for match in re.finditer(r"\*+", masked):
            redactor.add_secret(line[match.start():match.end()])
        GLOBAL_REDACTOR.add_secrets(
            line[m.start():m.end()] for m in re.finditer(r"\*+", masked))


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


def _commit(conn: BaseConnection, confirm_minutes: int | None) -> tuple[str, str | None]:
    """Junos `commit` (or `commit confirmed N`); return its output and any failure message."""
    if not isinstance(conn, JuniperBase):
        raise TypeError(f"{conn.device_type} has no commit")
    try:
        if confirm_minutes is None:
            return str(conn.commit()), None
        return str(conn.commit(confirm=True, confirm_delay=confirm_minutes)), None
    except ValueError as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if "error" in ln.lower()]
        message = "; ".join(ln for ln in lines if not ln.startswith("Commit failed")) or str(exc)
        return "", message


def _leave(conn: BaseConnection, discard: bool) -> str:
    """Leave config mode; on Junos throw the uncommitted candidate away first."""
    output = ""
    if discard and conn.check_config_mode():
        output += str(conn.send_command("rollback 0"))
    output += str(conn.exit_config_mode())
    return output


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
    outputs = [await provider.in_thread(lambda c: str(c.config_mode()),
                                        action="entering configuration mode")]
    rejected: ChangeRejected | None = None
    committed = True
    for line in lines:
        register_line_secrets(provider.redactor, line)
        provider.log_sent(line)
        output, message = await provider.in_thread(
            lambda c, line=line: _send_line(c, line, platform.error_pattern, timeout),  # type: ignore[misc]
            action="a config line")
        outputs.append(output)
        if message is not None:
            rejected = ChangeRejected(device, provider.redactor.mask_line(line),
                                      provider.redactor.mask(message))
            break
    if rejected is None and platform.commits:
        command = "commit" if confirm_minutes is None else f"commit confirmed {confirm_minutes}"
        provider.log_sent(command)
        output, message = await provider.in_thread(lambda c: _commit(c, confirm_minutes),
                                                   action=command)
        outputs.append(output)
        if message is not None:
            rejected = ChangeRejected(device, command, provider.redactor.mask(message))
        committed = confirm_minutes is None

    # Leave config mode whatever happened above (a timeout or a drop has already closed the
    # session, so only a rejection or success reaches here).
    discard = platform.commits and rejected is not None
    outputs.append(await provider.in_thread(lambda c: _leave(c, discard),
                                            action="leaving configuration mode"))
    if rejected is not None:
        provider.log_info(str(rejected))
        raise rejected

    saved = platform.commits and committed
    if save and not platform.commits:
        provider.log_sent("write memory")
        outputs.append(await provider.in_thread(lambda c: str(c.save_config()),
                                                action="saving the configuration"))
        saved = True
    return PushResult(device, tuple(provider.redactor.mask_line(ln) for ln in lines),
                      saved=saved, output=provider.redactor.mask("\n".join(outputs)),
                      committed=committed)


async def confirm(provider: NetmikoProvider) -> None:
    """Confirm a pending `commit confirmed` with a plain `commit` (Junos)."""
    provider.log_sent("commit")

    def commit_and_leave(conn: BaseConnection) -> tuple[str, str | None]:
        output, message = _commit(conn, None)
        return output + _leave(conn, discard=message is not None), message

    _, message = await provider.in_thread(commit_and_leave, action="confirming the commit")
    if message is not None:
        raise ChangeRejected(provider.device.name, "commit", provider.redactor.mask(message))
