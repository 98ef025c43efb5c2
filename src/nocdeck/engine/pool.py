"""One connection per device for a whole run: the plan's sessions, kept for the execution.

`nocdeck run` reads every target's running config to plan, then pushes. When nothing waits
between the two (no approval), the plan's connection is handed to the execution instead of
logging in a second time, and the config the plan read is the pre-change backup (no second
`show running-config`). Whether that read is still current is checked once the device is
locked: a backup of the device stored since the plan began means another run changed it,
and the device is read again. Connections nobody took are closed when the run ends.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from nocdeck.config import Settings
from nocdeck.engine import events as ev
from nocdeck.engine.configtext import ConfigChange
from nocdeck.engine.render import DeviceRendering
from nocdeck.errors import DeviceError
from nocdeck.inventory.models import Device
from nocdeck.providers.base import DialogueLine, DialogueSink, Provider
from nocdeck.providers.registry import provider_for
from nocdeck.redaction import GLOBAL_REDACTOR


class Relay:
    """A dialogue sink whose listener changes when the connection changes hands."""

    def __init__(self, target: DialogueSink) -> None:
        self.target = target

    def __call__(self, line: DialogueLine) -> None:
        self.target(line)


@dataclass
class PlannedSession:
    provider: Provider
    relay: Relay
    running: str
    """The running config as the plan read it in this session."""
    planned: tuple[tuple[str, ...], ConfigChange] | None = None
    """The plan's preview of `running` (candidate lines, change): the run's, unless stale."""
    rendering: DeviceRendering | None = None
    """What the plan rendered for the device: what was shown, and (no secret inputs) what
    the run pushes, without rendering it again."""


@dataclass
class ProviderPool:
    settings: Settings
    backed_up_since: int = 0
    """The store's newest backup id when the plan began (see `acquire_lock_checked`)."""
    sessions: dict[str, PlannedSession] = field(default_factory=dict)

    async def read(self, device: Device, sink: ev.EventSink, execution_id: str) -> str:
        """The plan's read of `device`, on a connection that stays open for the execution."""
        def dialogue(line: DialogueLine) -> None:
            sink(ev.LogLine(execution_id=execution_id, device=line.device,
                            direction=line.direction, text=line.text))

        relay = Relay(dialogue)
        provider = provider_for(device, self.settings, on_dialogue=relay,
                                redactor=GLOBAL_REDACTOR)
        try:
            await provider.connect()
            running = await provider.get_running_config()
        except BaseException:
            with contextlib.suppress(DeviceError):
                await provider.close()
            raise
        stale = self.sessions.pop(device.name, None)
        self.sessions[device.name] = PlannedSession(provider, relay, running)
        if stale is not None:
            await _close(stale.provider)
        return running

    def remember(self, rendering: DeviceRendering, running: str, change: ConfigChange
                 ) -> None:
        """Keep the plan's rendering and its preview of what it read in the device's session
        (not rendered or parsed again by the run when nobody changed the device since)."""
        planned = self.sessions.get(rendering.device.name)
        if planned is not None and planned.running is running:
            planned.planned = (rendering.candidate, change)
            planned.rendering = rendering

    def rendering(self, name: str) -> DeviceRendering | None:
        """The plan's rendering for the device (None: not planned on this pool)."""
        planned = self.sessions.get(name)
        return planned.rendering if planned is not None else None

    def take(self, name: str, listener: DialogueSink) -> PlannedSession | None:
        """The device's planned session, now the caller's (its dialogue goes to `listener`)."""
        planned = self.sessions.pop(name, None)
        if planned is not None:
            planned.relay.target = listener
        return planned

    async def close(self) -> None:
        """Close every connection nobody took (devices with no change, runs that stopped)."""
        left, self.sessions = list(self.sessions.values()), {}
        await asyncio.gather(*(_close(s.provider) for s in left))


async def _close(provider: Provider) -> None:
    with contextlib.suppress(DeviceError, OSError):
        await provider.close()
