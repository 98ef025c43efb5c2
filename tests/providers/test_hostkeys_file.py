"""known_hosts handling without a device: fingerprints as OpenSSH prints them, trust, replace."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import asyncssh
import pytest

from nocdeck.errors import HostKeyError
from nocdeck.inventory.models import Device
from nocdeck.providers.hostkeys import (
    HostKeyCheck,
    add_trusted_key,
    fingerprint,
    known_hosts_line,
)


def _device(port: int = 2201, *, check: bool = True) -> Device:
    return Device(name="core-1", platform="cisco_ios", host="127.0.0.1", port=port,
                  host_key_check=check)


def _key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519").convert_to_public()


def test_fingerprint_is_what_ssh_keygen_prints(tmp_path: Path) -> None:
    key = _key()
    public = tmp_path / "key.pub"
    public.write_bytes(key.export_public_key("openssh"))
    shown = subprocess.run(["ssh-keygen", "-lf", str(public)], capture_output=True, text=True,
                           check=True, timeout=10).stdout.split()[1]
    assert fingerprint(key) == shown
    assert shown.startswith("SHA256:")


def test_unknown_key_is_refused_with_its_fingerprint_and_the_trust_command(tmp_path: Path
                                                                           ) -> None:
    check = HostKeyCheck(_device(), str(tmp_path / "known_hosts"))
    key = _key()
    with pytest.raises(HostKeyError) as refused:
        check.verify(key)
    message = str(refused.value)
    assert message.startswith("core-1: unknown host key for 127.0.0.1:2201")
    assert fingerprint(key) in message
    assert "nocdeck hosts trust core-1" in message
    assert refused.value.exit_code == 2


def test_a_trusted_key_passes_and_the_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "ssh" / "known_hosts"
    key = _key()
    add_trusted_key(path, "127.0.0.1", 2201, key)
    HostKeyCheck(_device(), str(path)).verify(key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("[127.0.0.1]:2201 ssh-ed25519 ")
    # another port on the same address is another device: still unknown
    with pytest.raises(HostKeyError, match="unknown host key"):
        HostKeyCheck(_device(2202), str(path)).verify(key)


def test_a_changed_key_is_refused_naming_both_fingerprints(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    old, new = _key(), _key()
    add_trusted_key(path, "127.0.0.1", 2201, old)
    with pytest.raises(HostKeyError) as refused:
        HostKeyCheck(_device(), str(path)).verify(new)
    message = str(refused.value)
    assert "HOST KEY CHANGED" in message
    assert fingerprint(new) in message and fingerprint(old) in message
    assert "--replace" in message


def test_replace_drops_the_old_line_also_when_hashed(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    old, new, other = _key(), _key(), _key()
    path.write_text(known_hosts_line("127.0.0.1", 2201, old)
                    + known_hosts_line("127.0.0.1", 2299, other))
    subprocess.run(["ssh-keygen", "-H", "-f", str(path)], capture_output=True, check=True,
                   timeout=10)
    assert "[127.0.0.1]" not in path.read_text()  # hashed now
    removed = add_trusted_key(path, "127.0.0.1", 2201, new, replace=True)
    assert removed == 1
    HostKeyCheck(_device(), str(path)).verify(new)
    HostKeyCheck(_device(2299), str(path)).verify(other)
    with pytest.raises(HostKeyError):
        HostKeyCheck(_device(), str(path)).verify(old)


def test_an_unreadable_known_hosts_names_the_device_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    path.mkdir()
    with pytest.raises(HostKeyError, match=rf"core-1: cannot read known_hosts {path}"):
        HostKeyCheck(_device(), str(path)).verify(_key())


def test_a_garbled_line_trusts_nothing(tmp_path: Path) -> None:
    """Like OpenSSH, a line that does not parse is skipped, never taken as a match."""
    path = tmp_path / "known_hosts"
    path.write_text("[127.0.0.1]:2201 ssh-ed25519 not-base64!!\n")
    with pytest.raises(HostKeyError, match="unknown host key"):
        HostKeyCheck(_device(), str(path)).verify(_key())


def test_only_devices_that_opt_out_skip_the_check(tmp_path: Path) -> None:
    assert HostKeyCheck(_device(), str(tmp_path / "k")).enabled
    assert not HostKeyCheck(_device(check=False), str(tmp_path / "k")).enabled


def test_paramiko_is_limited_to_the_trusted_key_type(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    add_trusted_key(path, "127.0.0.1", 2201, _key())
    preferred = ("ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256")
    check = HostKeyCheck(_device(), str(path))
    assert check.paramiko_disabled_key_types(preferred) == list(preferred[1:])
    # nothing trusted yet: leave paramiko's choice alone (the key is refused anyway)
    assert HostKeyCheck(_device(2299), str(path)).paramiko_disabled_key_types(preferred) == []
