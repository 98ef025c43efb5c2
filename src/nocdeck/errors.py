"""Typed errors that carry where the problem is.

The CLI and the TUI turn every `NocdeckError` into one clear line (`str(error)`), never a
traceback. `BadInput` and its children mean the user or a file gave something wrong (exit 2);
`WorkFailed` and its children mean the work itself failed (exit 1).
"""

from __future__ import annotations


class NocdeckError(Exception):
    """Base of every error nocdeck reports to a user."""

    exit_code = 2


class BadInput(NocdeckError):
    """Something a user or a file gave is wrong: exit 2, nothing touched."""

    exit_code = 2


class ConfigError(BadInput):
    """A settings file, environment variable or flag is invalid."""


class InventoryError(BadInput):
    """The inventory file is malformed or names something that does not exist."""


class CredentialError(BadInput):
    """A credential reference cannot be resolved (missing, locked vault, wrong passphrase)."""


class LabError(BadInput):
    """The lab cannot start as asked (port in use, bad device count, unreadable state dir)."""


class StoreError(BadInput):
    """The audit store cannot be used (unreachable, newer schema, unknown record); names the URL."""


class CatalogError(BadInput):
    """The catalog is broken or names something that does not exist; lists every problem."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        super().__init__("\n".join([message, *self.problems]) if self.problems else message)


class ResolutionError(BadInput):
    """No enabled task implementation matches a device; names the device and what was sought."""


class RenderError(BadInput):
    """A template failed to render (undefined variable, sandbox refusal); names file:line."""


class InputError(BadInput):
    """A workflow input fails its schema or is unknown; names the field."""


class WorkFailed(NocdeckError):
    """The work itself failed (a device rejected a change, a check failed): exit 1."""

    exit_code = 1


class DeviceError(WorkFailed):
    """A failure talking to one device; always names the device."""

    def __init__(self, device: str, message: str) -> None:
        self.device = device
        self.detail = message
        super().__init__(f"{device}: {message}")


class DeviceUnreachable(DeviceError):
    """The TCP connection or SSH transport could not be set up, or dropped."""


class AuthenticationFailed(DeviceError):
    """The device refused the credentials."""


class DeviceTimeout(DeviceError):
    """The device did not answer within the configured timeout."""


class HostKeyError(DeviceError):
    """The device's SSH host key is unknown or has changed."""

    exit_code = 2


class ChangeRejected(DeviceError):
    """The device rejected a configuration line; carries the line and the device's message,
    and the lines of the same push it had already taken (IOS and EOS apply each line as it
    comes: those are in the running config; a Junos candidate is discarded: none)."""

    def __init__(self, device: str, line: str, device_message: str,
                 applied: tuple[str, ...] = ()) -> None:
        self.line = line
        self.device_message = device_message
        self.applied = applied
        """As sent (not masked): what a rollback must undo. Never part of the message."""
        super().__init__(device, f"rejected {line!r}: {device_message}")


TRANSIENT_ERRORS: tuple[type[DeviceError], ...] = (DeviceUnreachable, DeviceTimeout)
"""Errors worth a retry with backoff; a rejected change never is."""
