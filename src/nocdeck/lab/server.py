"""The lab: simulated devices, each on its own SSH listener on 127.0.0.1, in one process.

`Lab(spec)` builds the devices (fresh from the data files, or as `--state-dir` left them),
listens (port 0 = a port the OS hands out), checks logins against the public lab credentials
and hands each SSH session to the device's platform simulator through `nocdeck.lab.shell`.
"""

from __future__ import annotations

import contextlib
import errno
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh

from nocdeck.credentials import LAB_ENABLE_SECRET, LAB_PASSWORD, LAB_USERNAME
from nocdeck.errors import LabError
from nocdeck.inventory import Inventory
from nocdeck.lab.faults import DeviceFaults
from nocdeck.lab.platform import LabDevice, PlatformSession
from nocdeck.lab.shell import LabShell
from nocdeck.lab.state import StateDir
from nocdeck.providers.asyncssh_transport import cork_server_connection, drop_chaff

__all__ = ["PLATFORMS", "DeviceFaults", "Lab", "LabDeviceInfo", "LabSpec", "run_lab"]

log = logging.getLogger(__name__)

PLATFORMS = ("cisco_ios", "arista_eos", "juniper_junos")
"""The platforms of r1, r2, r3, … in turn."""
LAB_HOST = "127.0.0.1"


@dataclass
class LabSpec:
    """What lab to start."""

    devices: int
    port_base: int = 0
    """0: each device gets a port from the OS; P: ports P … P+N-1."""
    seed: int = 0
    state_dir: Path | None = None
    faults: dict[str, DeviceFaults] = field(default_factory=dict)
    time_scale: float = 1.0
    platforms: tuple[str, ...] = PLATFORMS
    """Platforms taken round-robin (r1 gets the first)."""


@dataclass(frozen=True)
class LabDeviceInfo:
    """How to reach one lab device (what `lab up --json` prints)."""

    name: str
    platform: str
    host: str
    port: int
    username: str
    password: str
    secret: str
    """The enable secret; "" where the platform has none (Junos)."""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "platform": self.platform, "host": self.host,
                "port": self.port, "username": self.username, "password": self.password,
                "secret": self.secret}


def new_device(platform: str, name: str, *, seed: int, index: int) -> LabDevice:
    if platform in ("cisco_ios", "arista_eos"):
        from nocdeck.lab.generate import new_cisco_device

        return new_cisco_device(platform, name, seed=seed, index=index)
    if platform == "juniper_junos":
        try:
            from nocdeck.lab.junos import new_junos_device
        except ImportError:
            raise LabError("junos simulator unavailable: nocdeck.lab.junos cannot be "
                           "imported") from None
        device: LabDevice = new_junos_device(name, seed=seed, index=index)
        return device
    raise LabError(f"unknown platform {platform!r}; the lab simulates {', '.join(PLATFORMS)}")


def session_class(platform: str) -> type[PlatformSession]:
    if platform == "juniper_junos":
        try:
            from nocdeck.lab.junos import JunosSession
        except ImportError:
            raise LabError("junos simulator unavailable: nocdeck.lab.junos cannot be "
                           "imported") from None
        junos_class: type[PlatformSession] = JunosSession
        return junos_class
    from nocdeck.lab.cisco import CiscoSession

    return CiscoSession


class DeviceRuntime:
    """One device while the lab runs: its state, faults, host key, listener, sessions."""

    def __init__(self, device: LabDevice, host_key: Any, faults: DeviceFaults) -> None:
        self.device = device
        self.host_key = host_key
        self.faults = faults
        self.port = 0
        self.acceptor: Any = None
        self.connections: set[Any] = set()
        self._session_ids: dict[int, int] = {}
        self._next_session = 0
        self._session_class = session_class(device.platform)

    def session_id(self, shell: object) -> int:
        key = id(shell)
        if key not in self._session_ids:
            self._next_session += 1
            self._session_ids[key] = self._next_session
        return self._session_ids[key]

    def new_shell(self, username: str) -> LabShell:
        holder: list[LabShell] = []

        def new_session() -> PlatformSession:
            return self._session_class(self.device, self.session_id(holder[0]), username)

        shell = LabShell(self, new_session)
        holder.append(shell)
        return shell


async def _same_options() -> None:
    """asyncssh's `reload_config` for a server without an sshd_config file: nothing to redo.

    At each login asyncssh re-evaluates its server config (`Match` blocks for the user and
    address) by rebuilding every connection option in its thread pool. The lab has no config
    file, so the options came out as they went in, for ~0.4 ms of the lab's CPU per login
    (a thread handoff, and a reverse lookup of the host name for GSS).
    """


class _LabSSHServer(asyncssh.SSHServer):
    """Password logins with the lab credentials; every session goes to the device's shell."""

    def __init__(self, runtime: DeviceRuntime) -> None:
        self._runtime = runtime
        self._conn: Any = None
        self._username = ""

    def connection_made(self, conn: Any) -> None:
        self._conn = conn
        self._runtime.connections.add(conn)
        cork_server_connection(conn)  # one send() per answer, not one per SSH packet
        drop_chaff(conn)  # no empty SSH_MSG_IGNORE before every packet, as devices send none
        conn.reload_config = _same_options

    def connection_lost(self, exc: Exception | None) -> None:
        self._runtime.connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        self._username = username
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        if self._runtime.faults.reject_login:
            return False
        return username == LAB_USERNAME and password == LAB_PASSWORD

    def session_requested(self) -> LabShell:
        return self._runtime.new_shell(self._username)


class Lab:
    """Simulated devices over real SSH on 127.0.0.1 (start, use, stop)."""

    def __init__(self, spec: LabSpec) -> None:
        if spec.devices < 1:
            raise LabError(f"--devices must be at least 1, got {spec.devices}")
        if not 0 <= spec.port_base <= 65535 - spec.devices + 1:
            raise LabError(f"--port-base {spec.port_base} leaves no room for "
                           f"{spec.devices} devices below port 65536")
        if spec.time_scale <= 0:
            raise LabError(f"--time-scale must be > 0, got {spec.time_scale}")
        unknown = [p for p in spec.platforms if p not in PLATFORMS]
        if unknown or not spec.platforms:
            raise LabError(f"unknown platform {', '.join(unknown) or '(none)'}; the lab "
                           f"simulates {', '.join(PLATFORMS)}")
        names = {f"r{i}" for i in range(1, spec.devices + 1)}
        for name in spec.faults:
            if name not in names:
                raise LabError(f"--fault names device {name!r}, but the lab has r1..r"
                               f"{spec.devices}")
        self.spec = spec
        self._state = StateDir(spec.state_dir) if spec.state_dir is not None else None
        self._runtimes: dict[str, DeviceRuntime] = {}
        self.started = False

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        if self._state is not None:
            self._state.check()
        for index in range(self.spec.devices):
            name = f"r{index + 1}"
            platform = self.spec.platforms[index % len(self.spec.platforms)]
            self._runtimes[name] = self._build(name, platform, index)
        try:
            for index, runtime in enumerate(self._runtimes.values()):
                port = self.spec.port_base + index if self.spec.port_base else 0
                await self._listen(runtime, port)
        except BaseException:
            await self.stop()
            raise
        self.started = True
        log.info("lab: %d devices listening on %s", len(self._runtimes), LAB_HOST)

    def _build(self, name: str, platform: str, index: int) -> DeviceRuntime:
        restored = self._state.load_device(name, platform) if self._state else None
        device = restored or new_device(platform, name, seed=self.spec.seed, index=index)
        device.time_scale = self.spec.time_scale
        key = (self._state.host_key(name) if self._state
               else asyncssh.generate_private_key("ssh-ed25519"))
        return DeviceRuntime(device, key, self.spec.faults.get(name, DeviceFaults()))

    async def _listen(self, runtime: DeviceRuntime, port: int) -> None:
        def factory() -> _LabSSHServer:
            return _LabSSHServer(runtime)

        try:
            runtime.acceptor = await asyncssh.create_server(
                factory, LAB_HOST, port, server_host_keys=[runtime.host_key],
                line_editor=False, allow_scp=False, agent_forwarding=False,
                x11_forwarding=False, encoding="utf-8", login_timeout=30,
                gss_host=None,  # no Kerberos logins, so no host name lookup either
            )
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise LabError(f"port {port} on {LAB_HOST} is already in use "
                               f"(device {runtime.device.name})") from None
            raise LabError(f"cannot listen on {LAB_HOST} port {port} for "
                           f"{runtime.device.name}: {exc.strerror}") from None
        runtime.port = runtime.acceptor.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close every listener and session; save configs when there is a state dir."""
        for runtime in self._runtimes.values():
            for conn in list(runtime.connections):
                conn.abort()
            if runtime.acceptor is not None:
                runtime.acceptor.close()
                with contextlib.suppress(Exception):
                    await runtime.acceptor.wait_closed()
                runtime.acceptor = None
        if self._state is not None and self.started:
            for runtime in self._runtimes.values():
                self._state.save_device(runtime.device)
        self.started = False

    # -- accessors -----------------------------------------------------------------------
    @property
    def devices(self) -> list[LabDeviceInfo]:
        return [
            LabDeviceInfo(
                name=name, platform=r.device.platform, host=LAB_HOST, port=r.port,
                username=LAB_USERNAME, password=LAB_PASSWORD,
                secret="" if r.device.platform == "juniper_junos" else LAB_ENABLE_SECRET)
            for name, r in self._runtimes.items()
        ]

    def _runtime(self, name: str) -> DeviceRuntime:
        try:
            return self._runtimes[name]
        except KeyError:
            raise LabError(f"the lab has no device {name!r}; it has "
                           f"{', '.join(self._runtimes) or 'none'}") from None

    def device(self, name: str) -> LabDevice:
        """The device's state and journal (shared with its sessions)."""
        return self._runtime(name).device

    def faults(self, name: str) -> DeviceFaults:
        return self._runtime(name).faults

    def set_faults(self, name: str, faults: DeviceFaults) -> None:
        """Applies from the next login / the next line received."""
        self._runtime(name).faults = faults

    async def rotate_host_key(self, name: str) -> None:
        """Give the device a new SSH host key on the same port (a 'replaced device')."""
        runtime = self._runtime(name)
        runtime.host_key = asyncssh.generate_private_key("ssh-ed25519")
        if self._state is not None:
            self._state.save_host_key(name, runtime.host_key)
        if runtime.acceptor is not None:
            runtime.acceptor.update(server_host_keys=[runtime.host_key])

    def host_key_fingerprint(self, name: str) -> str:
        return str(self._runtime(name).host_key.get_fingerprint())

    def session_factory(self, name: str) -> Callable[[], PlatformSession]:
        """A new CLI session on the device without SSH (inventory, config snapshots)."""
        runtime = self._runtime(name)
        return lambda: runtime._session_class(runtime.device, 0, LAB_USERNAME)

    def inventory(self) -> Inventory:
        from nocdeck.lab.lab_inventory import lab_inventory

        return lab_inventory(self)

    def running_config(self, name: str) -> str:
        from nocdeck.lab.lab_inventory import running_config_text

        return running_config_text(self, name)


@contextlib.asynccontextmanager
async def run_lab(spec: LabSpec) -> AsyncIterator[Lab]:
    """`async with run_lab(LabSpec(devices=3)) as lab:` — started, and always stopped."""
    lab = Lab(spec)
    await lab.start()
    try:
        yield lab
    finally:
        await lab.stop()
