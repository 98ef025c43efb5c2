"""netmiko's and paramiko's failures turned into nocdeck's typed errors that name the device.

(Host keys are refused earlier, by `nocdeck.providers.hostkeys`, with a HostKeyError.)

netmiko folds very different failures into NetmikoTimeoutException (a refused TCP connection
is one), so the original cause is looked for in the exception chain before deciding.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

import paramiko  # type: ignore[import-untyped]
from netmiko.exceptions import (
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
    ReadException,
    ReadTimeout,
    WriteException,
)

from nocdeck.errors import (
    AuthenticationFailed,
    DeviceError,
    DeviceTimeout,
    DeviceUnreachable,
)

if TYPE_CHECKING:
    from nocdeck.providers.netmiko_provider import NetmikoProvider


NoValidConnections = paramiko.ssh_exception.NoValidConnectionsError
"""What paramiko raises for a refused TCP connection (an OSError, but not ConnectionRefused)."""


def is_dropped(conn: Any) -> bool:
    """True once an established session's channel or transport has closed under us."""
    channel = getattr(conn, "remote_conn", None) if conn is not None else None
    if not isinstance(channel, paramiko.Channel):
        return False
    transport = channel.get_transport()
    return bool(channel.closed or channel.eof_received or transport is None
                or not transport.is_active())


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def translate(exc: BaseException, provider: NetmikoProvider, action: str) -> DeviceError:
    """The typed error for a failure of `action` on the provider's device."""
    name = provider.device.name
    where = f"{provider.device.host}:{provider.device.port}"
    options = provider.options
    chain = _chain(exc)

    if any(isinstance(c, NetmikoAuthenticationException | paramiko.AuthenticationException)
           for c in chain):
        return AuthenticationFailed(
            name, f"login refused for user {provider.credentials.username!r} at {where}")
    if isinstance(exc, ValueError) and "enable mode" in str(exc):
        return AuthenticationFailed(name, "enable refused: check the enable secret of "
                                          f"credential {provider.credentials.reference!r}")
    if is_dropped(provider._conn):
        return DeviceUnreachable(name, f"connection dropped during {action}")
    for cause in chain:
        if isinstance(cause, ConnectionRefusedError | NoValidConnections):
            return DeviceUnreachable(name, f"connection refused by {where}")
        if isinstance(cause, socket.timeout | TimeoutError):
            return DeviceTimeout(
                name, f"no TCP answer from {where} within {options.connect_timeout:g}s")
        if isinstance(cause, EOFError | ConnectionError | ReadException | WriteException
                      ) and not isinstance(cause, ReadTimeout):
            return DeviceUnreachable(name, f"connection closed by {where} during {action}")
    if isinstance(exc, ReadTimeout | NetmikoTimeoutException):
        text = str(exc)
        if "banner" in text.lower() and ("reset" in text.lower() or "EOF" in text):
            return DeviceUnreachable(name, f"connection closed by {where} during {action}")
        return DeviceTimeout(name, f"no answer within {options.command_timeout:g}s "
                                   f"during {action}")
    if isinstance(exc, OSError | paramiko.SSHException):
        return DeviceUnreachable(name, f"{action} failed at {where}: {exc}")
    return DeviceUnreachable(name, f"{action} failed: {type(exc).__name__}: {exc}")
