"""netmiko's and paramiko's failures turned into nocdeck's typed errors that name the device.

netmiko folds very different failures into NetmikoTimeoutException (a refused TCP connection
is one), so the original cause is looked for in the exception chain before deciding.
"""

from __future__ import annotations

import base64
import hashlib
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
    HostKeyError,
)

if TYPE_CHECKING:
    from nocdeck.providers.netmiko_provider import NetmikoProvider


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's SHA256 fingerprint of a host key."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


class HostKeyPolicy(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]
    """Refuse a host key that is not in known_hosts, remembering its fingerprint for the user."""

    def __init__(self) -> None:
        self.unknown_fingerprint: str | None = None

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str,
                         key: paramiko.PKey) -> None:
        self.unknown_fingerprint = fingerprint(key)
        raise paramiko.SSHException(f"host key for {hostname} is not in known_hosts")


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

    for cause in chain:
        if isinstance(cause, paramiko.BadHostKeyException):
            return HostKeyError(
                name, f"SSH host key of {where} has CHANGED (now {fingerprint(cause.key)}); "
                      f"refusing to connect - check the device, then fix known_hosts")
    if provider._host_keys.unknown_fingerprint:
        fp = provider._host_keys.unknown_fingerprint
        return HostKeyError(
            name, f"unknown SSH host key {fp} for {where}; if it is right, trust it with: "
                  f"ssh-keyscan -p {provider.device.port} {provider.device.host} "
                  f">> ~/.ssh/known_hosts")
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
        if isinstance(cause, ConnectionRefusedError):
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
