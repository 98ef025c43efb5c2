"""The OS keyring, used only where it is a real one, and never allowed to hang nocdeck.

On a headless jump host `keyring` falls back to a backend that refuses to store anything
(`fail`), or to a chainer of encrypted-file backends that prompt on the terminal. Neither may
be used: the first loses what the user typed, the second takes over the screen. And a real
Secret Service whose collection is locked can wait forever for an unlock dialog, so every call
runs in a daemon thread with a deadline.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from nocdeck.errors import CredentialError
from nocdeck.redaction import GLOBAL_REDACTOR

log = logging.getLogger(__name__)

T = TypeVar("T")

KEYRING_SERVICE = "nocdeck"
KEYRING_TIMEOUT = 3.0
"""Seconds any one keyring call may take before nocdeck gives up on it."""

_REFUSED: tuple[tuple[str, str], ...] = (
    ("keyring.backends.fail", "refuses to store anything"),
    ("keyring.backends.null", "stores nothing"),
    ("keyrings.cryptfile", "is an encrypted file that prompts on the terminal"),
    ("keyrings.alt", "is a file backend that prompts on the terminal or stores in clear"),
)
_NEEDS_DBUS = ("keyring.backends.SecretService", "keyring.backends.libsecret",
               "keyring.backends.kwallet")


class KeyringTimeout(CredentialError):
    """A keyring call did not return within its deadline (a locked or stuck backend)."""


def backend_name(backend: object) -> str:
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}"


def call_with_deadline(fn: Callable[[], T], *, timeout: float, what: str) -> T:
    """Run `fn` in a daemon thread; raise KeyringTimeout if it is not done by `timeout`.

    A daemon thread, not an executor: a stuck backend call must not keep the process alive
    at exit, and Python cannot cancel it.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # handed to the caller's thread below
            outcome["error"] = exc

    thread = threading.Thread(target=target, name=f"nocdeck-keyring: {what}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise KeyringTimeout(f"{what} did not answer within {timeout:g} s (locked or stuck?)")
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


def refusal(backend: object) -> str | None:
    """Why `backend` is not a real keyring nocdeck may use, or None when it is."""
    module = type(backend).__module__
    for prefix, reason in _REFUSED:
        if module == prefix or module.startswith(prefix + "."):
            return reason
    if module.startswith(_NEEDS_DBUS) and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return "needs a D-Bus session and there is none (DBUS_SESSION_BUS_ADDRESS is unset)"
    try:
        viable = bool(getattr(backend, "viable", True))
    except Exception:
        viable = False
    return None if viable else "is not usable on this host"


@dataclass(frozen=True)
class KeyringChoice:
    """The keyring backend nocdeck would use, or why there is none."""

    backend: Any
    name: str
    reason: str = ""

    @property
    def usable(self) -> bool:
        return self.backend is not None

    def describe(self) -> str:
        return f"keyring {self.name}" if self.usable else f"no keyring ({self.name} {self.reason})"


def choose_keyring(timeout: float = KEYRING_TIMEOUT) -> KeyringChoice:
    """Pick a real backend: the configured one, or the best real one inside a chainer."""
    import keyring
    from keyring.backends.chainer import ChainerBackend

    try:
        selected = call_with_deadline(keyring.get_keyring, timeout=timeout,
                                      what="keyring discovery")
    except KeyringTimeout as exc:
        return KeyringChoice(None, "discovery", str(exc))
    except Exception as exc:
        return KeyringChoice(None, "discovery", f"failed: {type(exc).__name__}")
    if isinstance(selected, ChainerBackend):
        chained = list(selected.backends)
        real = [b for b in chained if refusal(b) is None]
        if real:
            return KeyringChoice(real[0], backend_name(real[0]))
        names = ", ".join(type(b).__qualname__ for b in chained) or "nothing"
        return KeyringChoice(None, backend_name(selected),
                             f"chains no real backend (only: {names})")
    reason = refusal(selected)
    if reason:
        return KeyringChoice(None, backend_name(selected), reason)
    return KeyringChoice(selected, backend_name(selected))


class OsKeyring:
    """Credential entries in a real keyring, one JSON entry per name, every call bounded."""

    def __init__(self, choice: KeyringChoice, timeout: float = KEYRING_TIMEOUT) -> None:
        if not choice.usable:
            raise CredentialError(f"cannot use the keyring: {choice.describe()}")
        self.choice = choice
        self.timeout = timeout

    def _call(self, fn: Callable[[], T], what: str) -> T:
        try:
            return call_with_deadline(fn, timeout=self.timeout,
                                      what=f"keyring {self.choice.name} ({what})")
        except CredentialError:
            raise
        except Exception as exc:
            detail = GLOBAL_REDACTOR.mask(str(exc)) or type(exc).__name__
            raise CredentialError(f"keyring {self.choice.name} ({what}) failed: {detail}"
                                  ) from None

    def get(self, name: str) -> str | None:
        backend = self.choice.backend
        value: str | None = self._call(
            lambda: backend.get_password(KEYRING_SERVICE, name), f"reading {name!r}")
        return value

    def put(self, name: str, value: str) -> None:
        backend = self.choice.backend
        self._call(lambda: backend.set_password(KEYRING_SERVICE, name, value),
                   f"storing {name!r}")

    def delete(self, name: str) -> None:
        from keyring.errors import PasswordDeleteError

        backend = self.choice.backend

        def remove() -> None:
            try:
                backend.delete_password(KEYRING_SERVICE, name)
            except PasswordDeleteError:
                log.debug("keyring %s held no entry for %r", self.choice.name, name)

        self._call(remove, f"deleting {name!r}")
