"""The netmiko provider: nocdeck's default CLI driver for IOS, EOS, NX-OS and Junos.

netmiko is blocking, so every exchange runs in a worker thread of a pool sized by
`settings.concurrency`, while the event loop keeps a watchdog on it: a device that sends
nothing for longer than the timeout is a `DeviceTimeout`, a transport that closes under us is
`DeviceUnreachable`, in both cases as soon as the loop sees it rather than when netmiko's own
read loop gives up. netmiko's session log is routed into the masked dialogue stream, so a UI
shows each line as it arrives and no secret reaches it (netmiko's `no_log` scrubs first, then
`nocdeck.redaction`).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Any, TypeVar

from netmiko import BaseConnection, ConnectHandler
from netmiko.session_log import SessionLog

from nocdeck.credentials import ResolvedCredentials
from nocdeck.errors import (
    BadInput,
    ChangeRejected,
    DeviceError,
    DeviceTimeout,
    DeviceUnreachable,
    NocdeckError,
)
from nocdeck.inventory.models import Device
from nocdeck.providers.base import DialogueSink, Provider, ProviderOptions, PushResult
from nocdeck.providers.cli_dialect import DIALECTS
from nocdeck.providers.hostkeys import HostKeyCheck, arm_netmiko
from nocdeck.providers.netmiko_errors import is_dropped, translate
from nocdeck.providers.netmiko_platforms import PLATFORMS, NetmikoPlatform, platform_for
from nocdeck.providers.netmiko_push import confirm, push, save_to_startup
from nocdeck.providers.readonly import check_read_only
from nocdeck.providers.workers import worker_pool
from nocdeck.redaction import Redactor

T = TypeVar("T")

QUIET_PERIOD = 0.5
"""Seconds an exchange may take before the watchdog starts polling (most finish sooner)."""
POLL_INTERVAL = 0.1


class _DialogueFile(io.TextIOBase):
    """The file netmiko's SessionLog writes to: each write feeds the provider's dialogue."""

    def __init__(self, on_text: Callable[[str], None]) -> None:
        super().__init__()
        self._on_text = on_text

    def write(self, text: str) -> int:
        self._on_text(text)
        return len(text)

    def flush(self) -> None:
        """Nothing is buffered here; SessionLog holds back partial secrets itself."""


def check_device(device: Device) -> NetmikoPlatform:
    """Refuse, before any connection, a platform the netmiko provider cannot drive."""
    platform = platform_for(device.platform)
    if platform is None:
        raise BadInput(
            f"device {device.name}: platform {device.platform!r} is not one the netmiko "
            f"provider drives (known: {', '.join(sorted(PLATFORMS))})"
        )
    return platform


class NetmikoProvider(Provider):
    """One device over netmiko; every blocking call runs in a worker thread."""

    name = "netmiko"

    def __init__(
        self,
        device: Device,
        credentials: ResolvedCredentials,
        *,
        options: ProviderOptions | None = None,
        on_dialogue: DialogueSink | None = None,
        redactor: Redactor | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.platform = check_device(device)
        self.dialect = DIALECTS.get(device.platform)
        """The platform's CLI conventions (banners, notices); None for NX-OS, which netmiko
        drives and nocdeck has no dialect for."""
        super().__init__(device, credentials, options=options, on_dialogue=on_dialogue,
                         redactor=redactor)
        self._executor = executor or worker_pool()
        self._conn: BaseConnection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_activity = time.monotonic()

    # -- plumbing ------------------------------------------------------------------------
    def _on_session_text(self, text: str) -> None:
        """Called in the worker thread: note progress, hand the text to the loop's thread."""
        self._last_activity = time.monotonic()
        if self._on_dialogue is None:
            return  # nobody listens: skip the masking and the hop to the loop
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.log_received, text)
        else:
            self.log_received(text)

    def _build_connection(self) -> BaseConnection:
        creds = self.credentials
        secrets = {"password": creds.password or "", "secret": creds.enable_secret or ""}
        session_log = SessionLog(
            buffered_io=_DialogueFile(self._on_session_text),  # type: ignore[arg-type]
            no_log={k: v for k, v in secrets.items() if v},
        )
        options = self.options
        params: dict[str, Any] = {
            "device_type": self.platform.device_type,
            "host": self.device.host,
            "port": self.device.port,
            "username": creds.username,
            "password": creds.password,
            "secret": creds.enable_secret or "",
            "use_keys": creds.use_keys and creds.password is None,
            "allow_agent": creds.use_keys,
            "conn_timeout": options.connect_timeout,
            "auth_timeout": options.connect_timeout,
            "banner_timeout": options.connect_timeout,
            "read_timeout_override": options.command_timeout,
            "blocking_timeout": options.command_timeout,
            "fast_cli": True,
            "global_delay_factor": 0.1,
            "session_log": session_log,
            "auto_connect": False,
        }
        conn = ConnectHandler(**params)
        arm_netmiko(conn, HostKeyCheck(self.device, options.known_hosts))
        return conn

    def _connection(self) -> BaseConnection:
        if self._conn is None:
            raise DeviceUnreachable(self.device.name, "not connected (call connect() first)")
        return self._conn

    def _abandon(self) -> None:
        """Close the transport under a worker stuck in netmiko's read loop."""
        conn = self._conn
        client = getattr(conn, "remote_conn_pre", None) if conn is not None else None
        if client is not None:
            with contextlib.suppress(Exception):  # a broken transport may fail to close
                client.close()

    async def _call(self, work: Callable[[], T], *, action: str, idle_limit: float) -> T:
        """Run one blocking exchange in a worker under the watchdog; translate its errors."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._last_activity = time.monotonic()
        future = loop.run_in_executor(self._executor, work)
        try:
            done, _ = await asyncio.wait({future}, timeout=QUIET_PERIOD)
            while not done:
                if is_dropped(self._conn):
                    raise DeviceUnreachable(self.device.name,
                                            f"connection dropped during {action}")
                idle = time.monotonic() - self._last_activity
                if idle > idle_limit:
                    raise DeviceTimeout(self.device.name,
                                        f"no answer for {idle_limit:g}s during {action}")
                done, _ = await asyncio.wait({future}, timeout=POLL_INTERVAL)
            return future.result()
        except NocdeckError as exc:
            if not future.done():
                self._abandon()
            raise self._masked(exc) from None
        except asyncio.CancelledError:
            self._abandon()
            raise
        except Exception as exc:  # every driver failure becomes a typed error
            raise self._masked(translate(exc, self, action)) from None
        finally:
            self.flush_dialogue()

    def _masked(self, error: NocdeckError) -> NocdeckError:
        """The same error with any secret masked out of its message."""
        text = str(error)
        if self.redactor.mask(text) == text:
            return error
        if isinstance(error, ChangeRejected):
            return ChangeRejected(error.device, self.redactor.mask_line(error.line),
                                  self.redactor.mask(error.device_message), error.applied)
        if isinstance(error, DeviceError):
            return type(error)(error.device, self.redactor.mask(error.detail))
        return type(error)(self.redactor.mask(text))

    # -- the contract --------------------------------------------------------------------
    async def connect(self) -> None:
        if self._conn is not None:
            return
        self.log_info(f"connecting to {self.device.host}:{self.device.port} "
                      f"({self.platform.device_type}, netmiko)")
        self._conn = self._build_connection()
        conn = self._conn

        def login() -> None:
            conn._open()
            if self.platform.has_enable:
                conn.enable()  # checks the prompt first: nothing is sent when already enabled

        try:
            await self._call(login, action="login",
                             idle_limit=self.options.connect_timeout + self.options.command_timeout)
        except BaseException:
            await self._discard()
            raise

    async def _discard(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._abandon_conn(conn)

    @staticmethod
    def _abandon_conn(conn: BaseConnection) -> None:
        with contextlib.suppress(Exception):
            conn.paramiko_cleanup()
        with contextlib.suppress(Exception):
            if conn.session_log:
                conn.session_log.close()

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        loop = asyncio.get_running_loop()
        # Every call leaves config mode, so netmiko's check for it on the way out (a round
        # trip) is skipped: say `exit` and close.
        setattr(conn, "cleanup", lambda command="exit": conn.write_channel(command + conn.RETURN))  # noqa: B010
        future = loop.run_in_executor(self._executor, conn.disconnect)
        try:
            await asyncio.wait_for(future, timeout=self.options.command_timeout)
        except Exception:  # leaving must never fail the caller's work
            self._abandon_conn(conn)
        finally:
            self.flush_dialogue()

    async def _send_command(self, command: str, *, expect: str | None = None) -> str:
        conn = self._connection()
        self.log_sent(command)

        def send() -> str:
            kwargs: dict[str, Any] = {"read_timeout": self.options.command_timeout,
                                      "auto_find_prompt": False}
            if expect is not None:
                kwargs["expect_string"] = expect
            return str(conn.send_command(command, **kwargs))

        return await self._call(send, action=repr(command), idle_limit=self.options.command_timeout)

    async def get_running_config(self) -> str:
        return await self._send_command(self.platform.running_config_command)

    async def run_commands(self, commands: Sequence[str]) -> dict[str, str]:
        check_read_only(commands, where=f"device {self.device.name}")
        outputs = {command: await self._send_command(command) for command in commands}
        if self.dialect is None:
            return outputs
        return {command: self.dialect.command_output(text) for command, text in outputs.items()}

    async def push_config(
        self, lines: Sequence[str], *, save: bool = False, confirm_minutes: int | None = None
    ) -> PushResult:
        return await push(self, list(lines), save=save, confirm_minutes=confirm_minutes)

    async def confirm_commit(self) -> None:
        if not self.platform.commits:
            return
        await confirm(self)

    async def save_config(self) -> None:
        await save_to_startup(self)

    # -- used by netmiko_push --------------------------------------------------------------
    async def in_thread(self, work: Callable[[BaseConnection], T], *, action: str) -> T:
        """Run `work(connection)` in a worker under the command-timeout watchdog."""
        conn = self._connection()
        return await self._call(lambda: work(conn), action=action,
                                idle_limit=self.options.command_timeout)
