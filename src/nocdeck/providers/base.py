"""The one small interface every device driver fills in the same way (NAPALM's lesson).

A provider is bound to one device for its lifetime: `connect()` once, any number of
`get_running_config()` / `run_commands()` / `push_config()` calls on that one connection,
then `close()`. Every call streams the device dialogue, line by line and already masked by
`nocdeck.redaction`, to the `on_dialogue` callback, so a UI can show it live and a record can
keep it. Failures are typed errors that name the device (`nocdeck.errors`).
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal, Self

from nocdeck.credentials import ResolvedCredentials
from nocdeck.errors import BadInput
from nocdeck.inventory.models import Device
from nocdeck.redaction import GLOBAL_REDACTOR, Redactor, StreamRedactor, mask_config_line

Direction = Literal["sent", "received", "info"]


@dataclass(frozen=True)
class DialogueLine:
    """Masked conversation with a device: one line sent or noted, or what one read from the
    device completed (received output: its complete lines joined by newlines, so that a
    `show running-config` is a few events, not a thousand)."""

    device: str
    direction: Direction
    text: str
    at: float = field(default_factory=time.time)


DialogueSink = Callable[[DialogueLine], None]


@dataclass(frozen=True)
class PushResult:
    """What a push did: the lines sent, whether the config was saved, the masked dialogue."""

    device: str
    lines_sent: tuple[str, ...]
    saved: bool
    output: str
    committed: bool = True
    """False on Junos after `commit confirmed` until `confirm_commit()` is called."""


@dataclass(frozen=True)
class ProviderOptions:
    """Per-connection knobs, from settings and inventory."""

    connect_timeout: float = 10.0
    command_timeout: float = 30.0
    known_hosts: str | None = None
    """known_hosts path; None means the user's default. Ignored when the device opts out."""


def check_credentials(device: Device, credentials: ResolvedCredentials) -> None:
    """Refuse, before any connection, credentials no driver could log in with."""
    if not credentials.username:
        raise BadInput(f"device {device.name}: no username in credential "
                       f"{credentials.reference or '(SSH keys)'}")
    if credentials.password is None and not credentials.use_keys:
        raise BadInput(f"device {device.name}: credential {credentials.reference!r} has no "
                       f"password and SSH keys are not allowed for it")


class Provider(ABC):
    """Talks to one device. Subclasses fill the abstract methods; nothing else differs."""

    name: str = "base"

    def __init__(
        self,
        device: Device,
        credentials: ResolvedCredentials,
        *,
        options: ProviderOptions | None = None,
        on_dialogue: DialogueSink | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        check_credentials(device, credentials)
        self.device = device
        self.credentials = credentials
        self.options = options or ProviderOptions()
        self._on_dialogue = on_dialogue
        self.redactor = redactor or Redactor()
        self.redactor.add_secrets(credentials.secrets())
        GLOBAL_REDACTOR.add_secrets(credentials.secrets())
        self._received_lines: list[str] = []
        self._received = StreamRedactor(self._received_lines.append, self.redactor)

    # -- dialogue streaming, shared by every driver -------------------------------------
    def _emit(self, direction: Direction, text: str) -> None:
        if self._on_dialogue is not None:
            self._on_dialogue(DialogueLine(self.device.name, direction, text))

    def log_sent(self, line: str) -> None:
        """Record a line we sent (masked: a config line may carry a secret)."""
        self._emit("sent", self.redactor.mask_line(line))

    def log_received(self, chunk: str) -> None:
        """Feed raw device output; the lines it completes reach the sink masked, together."""
        self._received.feed(chunk)
        self._emit_received()

    def _emit_received(self) -> None:
        if self._received_lines:
            text = "\n".join(self._received_lines)
            self._received_lines.clear()
            self._emit("received", text)

    def log_info(self, text: str) -> None:
        self._emit("info", self.redactor.mask_line(text))

    def flush_dialogue(self) -> None:
        self._received.flush()
        self._emit_received()

    # -- the contract --------------------------------------------------------------------
    @abstractmethod
    async def connect(self) -> None:
        """Open the session, log in, enter privileged mode and disable paging."""

    @abstractmethod
    async def close(self) -> None:
        """Leave the device cleanly; safe to call twice or after a failed connect."""

    @abstractmethod
    async def get_running_config(self) -> str:
        """The running configuration as the device shows it (Junos: hierarchical text)."""

    @abstractmethod
    async def run_commands(self, commands: Sequence[str]) -> dict[str, str]:
        """Run read-only commands; map each command to its output."""

    @abstractmethod
    async def push_config(
        self, lines: Sequence[str], *, save: bool = False, confirm_minutes: int | None = None
    ) -> PushResult:
        """Enter config mode, send `lines`, leave config mode (also after a rejection).

        Raises ChangeRejected naming the first line the device refused. On Junos the change
        is committed (`commit confirmed N` when `confirm_minutes` is given); `save` is the
        IOS/EOS `write memory`.
        """

    async def confirm_commit(self) -> None:  # noqa: B027 - a no-op except on Junos
        """Confirm a pending `commit confirmed` (Junos); other platforms have none."""

    async def save_config(self) -> None:  # noqa: B027 - a no-op where a commit persists
        """Copy the running config to the startup config (IOS/EOS `write memory`), once a
        change has passed its checks. Junos has nothing to save: a commit persists.

        Raises ChangeRejected when the device refuses to save."""

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


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
