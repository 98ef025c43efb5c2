"""Host keys over real SSH, for both providers: trusted connects, unknown and changed refuse.

Given a lab device whose inventory entry keeps `host_key_check` on, when I connect before
trusting its key I am refused with the key's SHA-256 fingerprint and the command that trusts
it, and no password is sent; after `nocdeck hosts trust` I connect; after the device's key is
swapped I am refused as changed until I knowingly replace it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from nocdeck.credentials import lab_credentials
from nocdeck.errors import HostKeyError
from nocdeck.inventory.models import Device
from nocdeck.lab.server import LabSpec
from nocdeck.lab.thread import LabThread
from nocdeck.providers.base import Provider, ProviderOptions
from nocdeck.providers.registry import PROVIDERS

pytestmark = pytest.mark.timeout(90)
BOTH = ["netmiko", "asyncssh"]


@pytest.fixture(scope="module")
def lab() -> Iterator[LabThread]:
    with LabThread(LabSpec(devices=3)) as running:
        yield running


def _checked(lab: LabThread, name: str) -> Device:
    """The lab's device, but with host keys checked as for a production device."""
    device = next(d for d in lab.inventory() if d.name == name)
    return device.model_copy(update={"host_key_check": True})


def _provider(kind: str, device: Device, known_hosts: Path) -> Provider:
    options = ProviderOptions(connect_timeout=10, command_timeout=10,
                              known_hosts=str(known_hosts))
    return PROVIDERS[kind](device, lab_credentials(device.platform), options=options)


def _nocdeck(*args: str, inventory: Path, known_hosts: Path, stdin: str = ""
             ) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "nocdeck", "--inventory", str(inventory), *args]
    env_known = {"NOCDECK_KNOWN_HOSTS": str(known_hosts)}
    import os

    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env_known})


def _inventory_file(tmp_path: Path, device: Device) -> Path:
    path = tmp_path / "inventory.yaml"
    path.write_text(yaml.safe_dump({"devices": {device.name: {
        "platform": device.platform, "host": device.host, "port": device.port,
        "credentials": "lab", "host_key_check": True}}}))
    return path


@pytest.mark.parametrize("kind", BOTH)
async def test_an_unknown_key_is_refused_with_its_fingerprint_before_login(
        lab: LabThread, kind: str, tmp_path: Path) -> None:
    device = _checked(lab, "r1")
    sessions_before = len(lab.journal("r1"))
    with pytest.raises(HostKeyError) as refused:
        async with _provider(kind, device, tmp_path / "known_hosts"):
            pass
    message = str(refused.value)
    assert message.startswith("r1: unknown host key for 127.0.0.1:")
    assert lab.lab.host_key_fingerprint("r1") in message
    assert "nocdeck hosts trust r1" in message
    assert refused.value.exit_code == 2
    assert len(lab.journal("r1")) == sessions_before  # no shell was ever opened


@pytest.mark.parametrize("kind", BOTH)
async def test_host_key_check_false_connects_without_any_known_hosts(
        lab: LabThread, kind: str, tmp_path: Path) -> None:
    device = next(d for d in lab.inventory() if d.name == "r3")
    assert device.host_key_check is False
    async with _provider(kind, device, tmp_path / "absent" / "known_hosts") as provider:
        assert "host-name r3" in await provider.get_running_config()


def test_trust_then_connect_then_swap_key_is_refused_as_changed(lab: LabThread,
                                                                 tmp_path: Path) -> None:
    import asyncio

    device = _checked(lab, "r2")
    inventory = _inventory_file(tmp_path, device)
    known_hosts = tmp_path / "ssh" / "known_hosts"

    declined = _nocdeck("hosts", "trust", "r2", inventory=inventory, known_hosts=known_hosts,
                        stdin="n\n")
    assert declined.returncode == 0, declined.stderr
    assert lab.lab.host_key_fingerprint("r2") in declined.stdout
    assert "not trusted" in declined.stdout
    assert not known_hosts.exists()

    trusted = _nocdeck("hosts", "trust", "r2", inventory=inventory, known_hosts=known_hosts,
                       stdin="y\n")
    assert trusted.returncode == 0, trusted.stderr
    assert f"trusted in {known_hosts}" in trusted.stdout

    async def read_with(kind: str) -> str:
        async with _provider(kind, device, known_hosts) as provider:
            return await provider.get_running_config()

    for kind in BOTH:
        assert "hostname r2" in asyncio.run(read_with(kind))

    old_fingerprint = lab.lab.host_key_fingerprint("r2")
    lab.rotate_host_key("r2")
    new_fingerprint = lab.lab.host_key_fingerprint("r2")
    for kind in BOTH:
        with pytest.raises(HostKeyError) as refused:
            asyncio.run(read_with(kind))
        message = str(refused.value)
        assert "HOST KEY CHANGED" in message, kind
        assert new_fingerprint in message and old_fingerprint in message, kind

    again = _nocdeck("hosts", "trust", "r2", "--yes", inventory=inventory,
                     known_hosts=known_hosts)
    assert again.returncode == 2
    assert again.stderr.startswith("error: r2: HOST KEY CHANGED")
    assert "Traceback" not in again.stderr

    replaced = _nocdeck("hosts", "trust", "r2", "--yes", "--replace", inventory=inventory,
                        known_hosts=known_hosts)
    assert replaced.returncode == 0, replaced.stderr
    assert "replaced 1 old line" in replaced.stdout
    for kind in BOTH:
        assert "hostname r2" in asyncio.run(read_with(kind))


def test_trust_names_an_unknown_device(lab: LabThread, tmp_path: Path) -> None:
    inventory = _inventory_file(tmp_path, _checked(lab, "r1"))
    result = _nocdeck("hosts", "trust", "core-9", "--yes", inventory=inventory,
                      known_hosts=tmp_path / "known_hosts")
    assert result.returncode == 2
    assert "core-9" in result.stderr and "Traceback" not in result.stderr
