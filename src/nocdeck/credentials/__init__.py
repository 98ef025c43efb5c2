"""Credentials are references (`lab`, `cred:NAME`, or none for SSH keys / agent).

A reference is resolved only when a connection is about to be made, and the secrets it yields
are registered with the redactor at once so that they can never reach a log or a record.
"""

from __future__ import annotations

from dataclasses import dataclass

LAB_REFERENCE = "lab"
LAB_USERNAME = "admin"
LAB_PASSWORD = "nocdeck-lab"
LAB_ENABLE_SECRET = "nocdeck-enable"
"""Public lab defaults: the lab is on loopback and simulated, these guard nothing real."""

PLATFORMS_WITHOUT_ENABLE = frozenset({"juniper_junos"})


@dataclass(frozen=True)
class ResolvedCredentials:
    """What a provider logs in with. `repr` never shows a secret."""

    username: str
    password: str | None = None
    enable_secret: str | None = None
    use_keys: bool = True
    """Offer SSH keys and the ssh-agent before the password."""
    reference: str = ""

    def __repr__(self) -> str:
        return (f"ResolvedCredentials(username={self.username!r}, reference={self.reference!r}, "
                f"password={'***' if self.password else None}, "
                f"enable_secret={'***' if self.enable_secret else None})")

    __str__ = __repr__

    def secrets(self) -> list[str]:
        return [s for s in (self.password, self.enable_secret) if s]


def lab_credentials(platform: str) -> ResolvedCredentials:
    """The built-in `lab` reference: never prompts, never touches keyring."""
    secret = None if platform in PLATFORMS_WITHOUT_ENABLE else LAB_ENABLE_SECRET
    return ResolvedCredentials(
        username=LAB_USERNAME, password=LAB_PASSWORD, enable_secret=secret, use_keys=False,
        reference=LAB_REFERENCE,
    )
