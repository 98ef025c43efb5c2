"""The contract suite's set-up: one lab per test process, the providers under test, helpers.

PROVIDERS lists every driver the contract suite runs; a driver joins the suite by adding its
name here (and to nocdeck.providers.registry.PROVIDERS). Devices r1-r3 (IOS, EOS, Junos) stay
healthy; r4-r6 (same platforms) are the ones a test gives a fault, reset after the test.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
from netmiko import ConnectHandler
from tests.fixtures.isolation import isolated_home  # noqa: F401 - autouse fixture

from nocdeck.config import Settings
from nocdeck.credentials import LAB_ENABLE_SECRET, LAB_PASSWORD, LAB_USERNAME
from nocdeck.inventory import dump_inventory
from nocdeck.inventory.models import Device
from nocdeck.lab.faults import DeviceFaults
from nocdeck.lab.server import LabSpec
from nocdeck.lab.thread import LabThread
from nocdeck.providers.base import DialogueLine, Provider, ProviderOptions
from nocdeck.providers.host import RemoteProvider, provider_host
from nocdeck.providers.registry import provider_for

PROVIDERS = ["netmiko", "asyncssh", "asyncssh-host"]
"""Drivers the contract suite runs against the lab; `asyncssh-host` is asyncssh in the
provider host process (`nocdeck.providers.host`), behind a RemoteProvider."""

PLATFORMS = ["cisco_ios", "arista_eos", "juniper_junos"]
TIME_SCALE = 60.0
"""Lab seconds per real second: `commit confirmed 1` rolls back after one real second."""


@dataclass
class LabHandle:
    """The running lab, as the provider tests see it."""

    thread: LabThread
    inventory_path: Path
    devices: dict[str, Device]

    @property
    def names(self) -> list[str]:
        return list(self.devices)

    def device(self, platform: str) -> Device:
        """The healthy device of a platform (r1, r2 or r3)."""
        return self.devices[f"r{PLATFORMS.index(platform) + 1}"]

    def faulty_device(self, platform: str) -> Device:
        """The device of a platform that a test may give faults (r4, r5 or r6)."""
        return self.devices[f"r{PLATFORMS.index(platform) + 4}"]

    def journal_length(self) -> int:
        return sum(len(self.thread.journal(name)) for name in self.devices)

    def reload(self, device: Device) -> None:
        """`reload` over SSH, as an operator would: running config becomes startup."""
        conn = ConnectHandler(device_type=device.platform, host=device.host, port=device.port,
                              username=LAB_USERNAME, password=LAB_PASSWORD,
                              secret=LAB_ENABLE_SECRET, conn_timeout=5)
        try:
            conn.enable()
            conn.write_channel("reload\n")
            conn.read_until_pattern(r"confirm", read_timeout=5)
            conn.write_channel("\n")
            time.sleep(0.2)
        finally:
            conn.disconnect()


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabHandle]:
    spec = LabSpec(devices=6, time_scale=TIME_SCALE, seed=7)
    with LabThread(spec) as thread:
        inventory = thread.inventory()
        path = tmp_path_factory.mktemp("lab") / "inventory.yaml"
        path.write_text(dump_inventory(inventory))
        yield LabHandle(thread, path, {d.name: d for d in inventory})


@pytest.fixture(params=PLATFORMS)
def platform(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=PROVIDERS)
def provider_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound by the OS, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class ProviderMaker(Protocol):
    def __call__(self, platform: str, *, faults: dict[str, Any] | None = None,
                 connect_timeout: float = 5.0, command_timeout: float = 5.0,
                 port: int | None = None) -> tuple[Provider, list[DialogueLine]]: ...


@pytest.fixture
def make_provider(lab: LabHandle, provider_name: str) -> Iterator[ProviderMaker]:
    """Build a provider (of the driver under test) for a lab device, with its dialogue list."""
    faulted: list[str] = []
    driver, _, where = provider_name.partition("-")
    hosted = contextlib.ExitStack()
    if where == "host":
        assert hosted.enter_context(provider_host(Settings(provider_host="on"))) is not None

    def make(platform: str, *, faults: dict[str, Any] | None = None,
             connect_timeout: float = 5.0, command_timeout: float = 5.0,
             port: int | None = None) -> tuple[Provider, list[DialogueLine]]:
        device = lab.device(platform)
        if faults is not None:
            device = lab.faulty_device(platform)
            lab.thread.set_faults(device.name, _faults(faults))
            faulted.append(device.name)
        if port is not None:
            device = device.model_copy(update={"port": port})
        dialogue: list[DialogueLine] = []
        settings = Settings(provider=driver, connect_timeout=connect_timeout,
                            command_timeout=command_timeout)
        provider = provider_for(device, settings, on_dialogue=dialogue.append,
                                options=ProviderOptions(connect_timeout, command_timeout))
        assert isinstance(provider, RemoteProvider) == (where == "host")
        return provider, dialogue

    with hosted:
        yield make
    for name in faulted:
        lab.thread.set_faults(name, DeviceFaults())


def _faults(spec: dict[str, Any]) -> DeviceFaults:
    reject = spec.get("reject_commands")
    return DeviceFaults(
        reject_login=bool(spec.get("reject_login")),
        latency=float(spec.get("latency", 0.0)),
        drop_after_config_lines=spec.get("drop_after_config_lines"),
        reject_pattern="|".join(re.escape(c) for c in reject) if reject else None,
        hang_after_login=bool(spec.get("hang")),
    )


@contextlib.contextmanager
def faulty(lab: LabHandle, platform: str, spec: dict[str, Any]) -> Iterator[Device]:
    """The platform's faulty device (r4-r6) with `spec`'s faults while the block runs."""
    device = lab.faulty_device(platform)
    lab.thread.set_faults(device.name, _faults(spec))
    try:
        yield device
    finally:
        lab.thread.set_faults(device.name, DeviceFaults())


def first_interface(device: Device) -> str:
    """A physical interface of the device, from its inventory."""
    for interface in device.interfaces:
        if not re.match(r"(?i)(loopback|vlan|lo\d|irb|vme|em\d|me\d|fxp)", interface.name):
            return interface.name.split(".")[0]
    raise AssertionError(f"{device.name} has no physical interface in its inventory")


def description_lines(platform: str, interface: str, text: str) -> list[str]:
    """The config lines that set an interface description, in the platform's syntax."""
    if platform == "juniper_junos":
        return [f'set interfaces {interface} description "{text}"']
    return [f"interface {interface}", f"description {text}"]


async def show_startup(provider: Provider) -> str:
    outputs = await provider.run_commands(["show startup-config"])
    return outputs["show startup-config"]


Maker = Callable[..., tuple[Provider, list[DialogueLine]]]
