"""Resolve a device's credential reference into what its provider logs in with."""

from __future__ import annotations

import getpass

from nocdeck.credentials import LAB_REFERENCE, ResolvedCredentials, lab_credentials
from nocdeck.errors import CredentialError
from nocdeck.inventory.models import Device

CRED_PREFIX = "cred:"


def check_reference(device: Device) -> None:
    """Fail before connecting when a device's reference is not of a known form."""
    ref = device.credentials
    if ref in ("", LAB_REFERENCE) or (ref.startswith(CRED_PREFIX) and len(ref) > len(CRED_PREFIX)):
        return
    raise CredentialError(
        f"device {device.name}: credential reference {ref!r} is not valid; "
        f"use 'lab', 'cred:NAME' or leave it empty for SSH keys / ssh-agent"
    )


def resolve_credentials(device: Device) -> ResolvedCredentials:
    """Resolve `device.credentials`; raise CredentialError naming the device and reference."""
    check_reference(device)
    ref = device.credentials
    if ref == LAB_REFERENCE:
        return lab_credentials(device.platform)
    if ref == "":
        return ResolvedCredentials(username=device.username or getpass.getuser(), use_keys=True)
    name = ref[len(CRED_PREFIX):]
    raise CredentialError(
        f"device {device.name}: credential {name!r} ({ref}) is not stored; "
        f"add it with: nocdeck credentials set {name}"
    )
