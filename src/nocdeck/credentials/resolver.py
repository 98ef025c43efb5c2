"""Resolve a device's credential reference into what its provider logs in with.

Providers call `resolve_credentials(device)` before they open a connection, so a missing
credential, a locked vault or a wrong passphrase is one clear error naming the device and
no connection is attempted that cannot succeed.
"""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Iterable

from nocdeck.config import Settings
from nocdeck.credentials import LAB_REFERENCE, ResolvedCredentials, lab_credentials
from nocdeck.credentials.index import NAME_PATTERN, NAME_RULE
from nocdeck.credentials.store import CredentialStore, session_store
from nocdeck.errors import CredentialError
from nocdeck.inventory.models import Device
from nocdeck.redaction import GLOBAL_REDACTOR

CRED_PREFIX = "cred:"


def check_reference(device: Device) -> None:
    """Fail before connecting when a device's reference is not of a known form."""
    ref = device.credentials
    if ref in ("", LAB_REFERENCE):
        return
    if ref.startswith(CRED_PREFIX):
        name = ref[len(CRED_PREFIX):]
        if NAME_PATTERN.match(name):
            return
        raise CredentialError(
            f"device {device.name}: credential reference {ref!r} is not valid: "
            f"the name after 'cred:' must be {NAME_RULE}"
        )
    raise CredentialError(
        f"device {device.name}: credential reference {ref!r} is not valid; "
        f"use 'lab', 'cred:NAME' or leave it empty for SSH keys / ssh-agent"
    )


def resolve_credentials(device: Device, *, store: CredentialStore | None = None,
                        settings: Settings | None = None) -> ResolvedCredentials:
    """Resolve `device.credentials`; raise CredentialError naming the device and reference.

    `store` defaults to the process's session store (`configure_session`, else built from
    `settings`), so the vault is unlocked once per process however many devices share a
    credential. It blocks (an Argon2 unlock, a keyring call of up to 3 s): from async code
    use `resolve_credentials_async`.
    """
    check_reference(device)
    ref = device.credentials
    if ref == LAB_REFERENCE:
        resolved = lab_credentials(device.platform)
    elif ref == "":
        resolved = ResolvedCredentials(username=device.username or getpass.getuser(),
                                       use_keys=True)
    else:
        name = ref[len(CRED_PREFIX):]
        try:
            resolved = (store or session_store(settings)).resolve(
                name, fallback_username=device.username)
        except CredentialError as exc:
            raise CredentialError(f"device {device.name}: {exc}") from None
    GLOBAL_REDACTOR.add_secrets(resolved.secrets())
    return resolved


async def resolve_credentials_async(device: Device, *, store: CredentialStore | None = None,
                                    settings: Settings | None = None) -> ResolvedCredentials:
    """`resolve_credentials` off the event loop: an unlock (Argon2) or keyring call blocks."""
    return await asyncio.to_thread(resolve_credentials, device, store=store, settings=settings)


def resolve_all(devices: Iterable[Device], *, store: CredentialStore | None = None,
                settings: Settings | None = None) -> dict[str, ResolvedCredentials]:
    """Resolve every target before any connection, so a bad reference stops a run up front."""
    return {device.name: resolve_credentials(device, store=store, settings=settings)
            for device in devices}
