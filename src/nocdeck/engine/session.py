"""One device's connection for a run: opened once, re-opened after a transient failure.

Only transient errors (timeout, refused or dropped connection) are retried, with backoff; a
rejected line, a refused login or an unknown host key fails at once. The dialogue is masked
by the provider, streamed live as events and kept to be appended to the record.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

from nocdeck.config import Settings
from nocdeck.engine import events as ev
from nocdeck.engine.retry import backoff_delay, gave_up, retry_note
from nocdeck.errors import TRANSIENT_ERRORS, DeviceError
from nocdeck.inventory.models import Device
from nocdeck.providers.base import DialogueLine, Provider
from nocdeck.providers.registry import provider_for
from nocdeck.redaction import GLOBAL_REDACTOR

T = TypeVar("T")
MARKERS = {"sent": "> ", "received": "< ", "info": "# "}
"""How the dialogue record marks a line: sent, received from the device, engine note."""


class DeviceSession:
    def __init__(self, device: Device, settings: Settings, *, execution_id: str,
                 sink: ev.EventSink, retries: int, backoff: float) -> None:
        self.device = device
        self.settings = settings
        self.execution_id = execution_id
        self.sink = sink
        self.retries = retries
        self.backoff = backoff
        self.attempts = 0
        """Attempts made by the last `call` (1 when it worked the first time)."""
        self.dialogue: list[str] = []
        """Masked dialogue lines not yet written to the record."""
        self._provider: Provider | None = None
        self._adopted = False
        self.before_action: Callable[[], Awaitable[None]] | None = None
        """Called before each use of the connection: commits the record's pending writes,
        so the record is never behind the device."""

    def adopt(self, provider: Provider) -> None:
        """Use a connection already open to the device (the plan's); when it turns out to
        have been lost, the first reconnect is not counted against the retries."""
        self._provider = provider
        self._adopted = True

    def on_dialogue(self, line: DialogueLine) -> None:
        marker = MARKERS[line.direction]
        if "\n" in line.text:  # several lines received at once: each one marked
            self.dialogue.append(marker + line.text.replace("\n", "\n" + marker))
        else:
            self.dialogue.append(marker + line.text)
        self.sink(ev.LogLine(execution_id=self.execution_id, device=line.device,
                             direction=line.direction, text=line.text))

    def note(self, text: str) -> None:
        """Engine commentary: shown live and kept in the device's dialogue record."""
        text = GLOBAL_REDACTOR.mask(text)
        self.dialogue.append(MARKERS["info"] + text)
        self.sink(ev.LogLine(execution_id=self.execution_id, device=self.device.name,
                             direction="info", text=text))

    def take_dialogue(self) -> str:
        text = "".join(f"{line}\n" for line in self.dialogue)
        self.dialogue.clear()
        return text

    async def provider(self) -> Provider:
        if self._provider is None:
            provider = provider_for(self.device, self.settings, on_dialogue=self.on_dialogue,
                                    redactor=GLOBAL_REDACTOR)
            await provider.connect()
            self._provider = provider
        return self._provider

    async def close(self) -> None:
        provider, self._provider = self._provider, None
        if provider is not None:
            with contextlib.suppress(DeviceError):
                await provider.close()

    async def call(self, work: Callable[[Provider], Awaitable[T]]) -> T:
        """Run `work` on the connection; reconnect and retry it after a transient error."""
        self.attempts = 0
        while True:
            self.attempts += 1
            if self.before_action is not None:
                await self.before_action()
            adopted, self._adopted = self._adopted, False
            try:
                return await work(await self.provider())
            except TRANSIENT_ERRORS as exc:
                await self.close()
                if adopted:
                    self.note(f"{exc.detail}: the plan's connection was lost; reconnecting")
                    continue
                if self.attempts > self.retries:
                    if self.retries < 1:
                        raise
                    raise gave_up(exc, self.attempts) from exc
                delay = backoff_delay(self.backoff, self.attempts)
                self.note(retry_note(exc.detail, self.attempts, self.retries, delay))
                await asyncio.sleep(delay)
