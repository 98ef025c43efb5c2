"""A second process for a command's device sessions: the SSH work on a core of its own.

`nocdeck run` on 200 devices is one Python process busy on one core: half of its work is
the engine and the store (plan, diff, records), the other half the SSH sessions (key
exchange, packets, prompts, masking). A jump host has at least two cores. While a
`ProviderHost` serves the process (`provider_host(settings)` around a command), every
`provider_for` returns a `RemoteProvider`: the same interface, the same typed errors and the
same masked dialogue, with the driver running in the host process
(`nocdeck.providers.hostmain`) and every call crossing a socketpair (`hostwire`).

What stays exact across the boundary:
- the record: each call's dialogue arrives before its result, in order, as in-process;
- secrets: credentials cross the socket only; every secret this process learns (credentials,
  secret inputs, secret config lines) is sent on before the next call, so the host masks
  what this process would;
- Ctrl-C and timeouts: a call the engine stops waiting for is cancelled in the host;
- a crash: the host exits as soon as this process's end of the socket closes (kill -9
  too), which drops every device connection as the process's own exit would;
- a host that fails to start: its providers run in this process instead, nothing lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import subprocess
from collections.abc import Iterator, Sequence
from typing import Any

from nocdeck.config import Settings
from nocdeck.credentials import ResolvedCredentials
from nocdeck.errors import DeviceError, DeviceUnreachable
from nocdeck.inventory.models import Device
from nocdeck.providers import hostprocess
from nocdeck.providers import hostwire as wire
from nocdeck.providers.base import (
    DialogueLine,
    DialogueSink,
    Provider,
    ProviderOptions,
    PushResult,
    register_line_secrets,
)
from nocdeck.redaction import GLOBAL_REDACTOR, Redactor

READY_TIMEOUT = 30.0
"""Seconds the host may take to start before its providers run in this process instead."""

_serving: ProviderHost | None = None


def serving_host() -> ProviderHost | None:
    """The host serving this process's current event loop, if one does and is alive."""
    host = _serving
    if host is None or host.failed is not None:
        return None
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    return host if host.loop in (None, loop) else None


@contextlib.contextmanager
def provider_host(settings: Settings) -> Iterator[ProviderHost | None]:
    """Start a host now (it loads its drivers while this process starts up) and serve
    `provider_for` from it until the block ends; None when the settings say no."""
    global _serving
    asked = hostprocess.wanted(settings.provider_host)
    if not asked:
        hostprocess.discard()  # prestarted before the settings file was read: not wanted
    host = _started() if asked and _serving is None else None
    if host is None:
        yield None
        return
    _serving = host
    try:
        yield host
    finally:
        _serving = None
        host.stop()


def _started() -> ProviderHost | None:
    """A new host, or None when none can be spawned (process or fd limits): the sessions
    then stay in this process."""
    try:
        return ProviderHost()
    except OSError as exc:
        logging.getLogger(__name__).warning("no provider host: %s", exc)
        return None


def session_view(device: Device) -> Device:
    """The device as a session needs it (where, how, which credentials), without its
    inventory data (interfaces, VLANs, addresses, vars): ~50 objects per device that the
    host would unpickle and never read."""
    return device.model_copy(update={"interfaces": [], "vlans": [], "vrfs": [],
                                     "prefixes": [], "ip_addresses": [], "vars": {}})


class ProviderHost:
    """One host process and the calls in flight to it."""

    def __init__(self) -> None:
        self.process, mine = hostprocess.take()
        self._sock = mine
        self.loop: asyncio.AbstractEventLoop | None = None
        self.failed: str | None = None
        """Why the host cannot serve (never started, exited); None while it can."""
        self._wire: wire.FrameProtocol | None = None
        self._attached: asyncio.Future[None] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._calls: dict[int, tuple[asyncio.Future[Any], RemoteProvider]] = {}
        self._providers: dict[int, RemoteProvider] = {}
        self._ids = itertools.count(1)
        self._secrets_generation = -1
        self._secrets_sent: frozenset[str] = frozenset()

    # -- the connection ----------------------------------------------------------------
    async def ready(self) -> bool:
        """Wait until the host serves calls; False (and `failed` says why) if it cannot."""
        if self.failed is not None:
            return False
        if self._attached is None:
            loop = asyncio.get_running_loop()
            self.loop = loop
            self._attached = loop.create_future()
            self._ready = loop.create_future()
            try:
                await loop.connect_accepted_socket(self._make_wire, self._sock)
                self._send((wire.LOGGING, logging.getLogger().getEffectiveLevel()))
            except BaseException as exc:  # also cancelled: the callers after it must not hang
                self._fail(f"cannot reach the provider host: {exc!r}")
                if not isinstance(exc, OSError):
                    raise
            finally:
                self._attached.set_result(None)
        await self._attached
        assert self._ready is not None
        if not self._ready.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._ready), READY_TIMEOUT)
            except TimeoutError:
                self._fail(f"the provider host did not start within {READY_TIMEOUT:g} s")
                self.process.kill()  # hung: it never serves this run
        return self.failed is None

    def _make_wire(self) -> wire.FrameProtocol:
        self._wire = wire.FrameProtocol(self._received, self._lost)
        return self._wire

    def _lost(self, exc: Exception | None) -> None:
        code = self.process.poll()
        self._fail("the provider host process stopped"
                   + (f" (exit code {code})" if code is not None else "")
                   + (f": {exc}" if exc else ""))

    def _fail(self, reason: str) -> None:
        if self.failed is None:
            self.failed = reason
        if self._ready is not None and not self._ready.done():
            self._ready.set_result(None)
        calls, self._calls = self._calls, {}
        for future, provider in calls.values():
            if not future.done():
                future.set_exception(DeviceError(
                    provider.device.name, f"{reason}; the call's outcome on the device is "
                    "unknown (the record holds what was sent)"))
        if self._wire is not None and self._wire.transport is not None:
            self._wire.transport.close()

    def _received(self, batch: list[wire.Message]) -> None:
        for message in batch:
            kind = message[0]
            if kind == wire.DIALOGUE:
                provider = self._providers.get(message[1])
                if provider is not None:
                    provider.dialogue(message[2], message[3], message[4])
            elif kind == wire.DONE or kind == wire.FAILED:
                entry = self._calls.pop(message[1], None)
                if entry is None or entry[0].done():
                    continue
                future, provider = entry
                if kind == wire.DONE:
                    future.set_result(message[2])
                else:
                    future.set_exception(wire.decode_error(message[2], provider.device.name))
            elif kind == wire.READY and self._ready is not None and not self._ready.done():
                self._ready.set_result(None)

    def _send(self, message: wire.Message) -> None:
        assert self._wire is not None
        if GLOBAL_REDACTOR.generation != self._secrets_generation:
            self._secrets_generation = GLOBAL_REDACTOR.generation
            self._share_secrets(GLOBAL_REDACTOR.known)
        self._wire.send(message)

    def _share_secrets(self, known: frozenset[str]) -> None:
        new = known - self._secrets_sent
        if new and self._wire is not None:
            self._secrets_sent |= new
            self._wire.send((wire.SECRETS, sorted(new)))

    # -- providers and calls -----------------------------------------------------------
    def provider(self, driver: str, device: Device, credentials: ResolvedCredentials, *,
                 options: ProviderOptions, on_dialogue: DialogueSink | None,
                 redactor: Redactor | None, workers: int) -> RemoteProvider:
        return RemoteProvider(self, driver, device, credentials, options=options,
                              on_dialogue=on_dialogue, redactor=redactor, workers=workers)

    def open(self, provider: RemoteProvider) -> int:
        provider_id = next(self._ids)
        self._providers[provider_id] = provider
        self._share_secrets(provider.redactor.known)
        self._send((wire.OPEN, provider_id, provider.name, session_view(provider.device),
                    provider.credentials, provider.options, provider.workers))
        return provider_id

    async def call(self, provider: RemoteProvider, provider_id: int, method: str,
                   *args: Any, **kwargs: Any) -> Any:
        if self.failed is not None:
            # Nothing of this call reached a device: the session is gone, as after a dropped
            # connection (transient), so the engine reconnects, in this process.
            raise DeviceUnreachable(provider.device.name, self.failed)
        assert self.loop is not None
        call_id = next(self._ids)
        future: asyncio.Future[Any] = self.loop.create_future()
        self._calls[call_id] = (future, provider)
        self._send((wire.CALL, call_id, provider_id, method, args, kwargs))
        try:
            return await future
        except asyncio.CancelledError:
            if self._calls.pop(call_id, None) is not None and self.failed is None:
                self._send((wire.CANCEL, call_id))
            raise

    def stop(self) -> None:
        """End the host: its end of the socket sees EOF and it exits; wait briefly for it."""
        if self.failed is None:
            self.failed = "the provider host was stopped"
        if self._wire is not None and self._wire.transport is not None \
                and self.loop is not None and not self.loop.is_closed():
            self._wire.transport.close()
        self._sock.close()
        try:
            self.process.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class RemoteProvider(Provider):
    """A provider whose driver runs in the provider host; the same contract as the driver."""

    def __init__(self, host: ProviderHost, driver: str, device: Device,
                 credentials: ResolvedCredentials, *, options: ProviderOptions,
                 on_dialogue: DialogueSink | None, redactor: Redactor | None,
                 workers: int) -> None:
        super().__init__(device, credentials, options=options, on_dialogue=on_dialogue,
                         redactor=redactor)
        self.name = driver
        self.workers = workers
        self._host = host
        self._id: int | None = None
        self._local: Provider | None = None
        """The driver in this process, when the host could not start."""

    def dialogue(self, direction: Any, text: str, at: float) -> None:
        """One line of dialogue from the host, masked there."""
        if self._on_dialogue is not None:
            self._on_dialogue(DialogueLine(self.device.name, direction, text, at))

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self._local is None and self._id is None:
            if await self._host.ready():
                self._id = self._host.open(self)
            else:
                from nocdeck.providers.registry import construct_provider

                self._local = construct_provider(
                    self.name, self.device, self.credentials, options=self.options,
                    on_dialogue=self._on_dialogue, redactor=self.redactor,
                    workers=self.workers)
                self.log_info(f"{self._host.failed}: this device's session runs in nocdeck's "
                              "own process")
        if self._local is not None:
            return await getattr(self._local, method)(*args, **kwargs)
        assert self._id is not None
        return await self._host.call(self, self._id, method, *args, **kwargs)

    async def connect(self) -> None:
        await self._call("connect")

    async def close(self) -> None:
        if self._id is None and self._local is None:
            return  # never opened: nothing to close
        await self._call("close")

    async def get_running_config(self) -> str:
        text: str = await self._call("get_running_config")
        return text

    async def run_commands(self, commands: Sequence[str]) -> dict[str, str]:
        outputs: dict[str, str] = await self._call("run_commands", list(commands))
        return outputs

    async def push_config(
        self, lines: Sequence[str], *, save: bool = False, confirm_minutes: int | None = None
    ) -> PushResult:
        for line in lines:  # this process masks them too (records, live log, errors)
            register_line_secrets(self.redactor, line)
        result: PushResult = await self._call("push_config", list(lines), save=save,
                                              confirm_minutes=confirm_minutes)
        return result

    async def confirm_commit(self) -> None:
        await self._call("confirm_commit")

    async def save_config(self) -> None:
        await self._call("save_config")
