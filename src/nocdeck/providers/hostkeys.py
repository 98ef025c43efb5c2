"""SSH host key verification against known_hosts, the same for every provider.

A device's host key is what proves we talk to the device and not to someone in between, so
it is checked before any password is sent: an unknown key is refused with its SHA-256
fingerprint (as OpenSSH prints it) and the command that trusts it, and a changed key is always
refused. Only devices marked `host_key_check: false` (the lab) skip the check.

The file is read with asyncssh's OpenSSH-compatible parser (plain, `[host]:port`, hashed and
`@cert-authority` / `@revoked` entries). The asyncssh provider hands the matching keys to
asyncssh; the netmiko provider gets a paramiko policy that asks the same `HostKeyCheck`, since
paramiko's own default accepts any key.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

from nocdeck.errors import HostKeyError
from nocdeck.inventory.models import Device

TRUST_COMMAND = "nocdeck hosts trust {device}"


def default_known_hosts() -> Path:
    return Path("~/.ssh/known_hosts").expanduser()


def known_hosts_path(configured: str | None) -> Path:
    """The known_hosts file in effect: the configured one, else ~/.ssh/known_hosts."""
    return Path(configured).expanduser() if configured else default_known_hosts()


def fingerprint(key: asyncssh.SSHKey) -> str:
    """`SHA256:…`, exactly as `ssh` and `ssh-keygen -l` print it."""
    return key.get_fingerprint("sha256")


def host_pattern(host: str, port: int) -> str:
    """The known_hosts name of a host: `host` on port 22, else `[host]:port` (OpenSSH)."""
    return host if port == 22 else f"[{host}]:{port}"


@dataclass(frozen=True)
class TrustedKeys:
    """What known_hosts says about one host."""

    host_keys: list[asyncssh.SSHKey]
    ca_keys: list[asyncssh.SSHKey]
    revoked: list[asyncssh.SSHKey]

    @property
    def known(self) -> bool:
        return bool(self.host_keys or self.ca_keys)


_cache_lock = threading.Lock()
_cache: dict[Path, tuple[tuple[int, int], asyncssh.SSHKnownHosts]] = {}


def _load(path: Path, device: str) -> asyncssh.SSHKnownHosts | None:
    """Parse a known_hosts file once per change (200 devices share one parse)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise HostKeyError(device, f"cannot read known_hosts {path}: {exc.strerror}") from None
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    try:
        parsed = asyncssh.import_known_hosts(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise HostKeyError(device, f"cannot read known_hosts {path}: {exc.strerror}") from None
    except (ValueError, asyncssh.KeyImportError) as exc:
        raise HostKeyError(device, f"known_hosts {path} is malformed: {exc}") from None
    with _cache_lock:
        _cache[path] = (stamp, parsed)
    return parsed


class HostKeyCheck:
    """Verifies one device's host key against one known_hosts file."""

    def __init__(self, device: Device, known_hosts: str | None = None) -> None:
        self.device = device
        self.path = known_hosts_path(known_hosts)

    @property
    def enabled(self) -> bool:
        return self.device.host_key_check

    @property
    def host_key_name(self) -> str:
        return host_pattern(self.device.host, self.device.port)

    def trusted(self) -> TrustedKeys:
        known = _load(self.path, self.device.name)
        if known is None:
            return TrustedKeys([], [], [])
        port = None if self.device.port == 22 else self.device.port
        host_keys, ca_keys, revoked, *_ = known.match(self.device.host, "", port)
        return TrustedKeys(list(host_keys), list(ca_keys), list(revoked))

    def is_trusted(self, key: asyncssh.SSHKey) -> bool:
        trusted = self.trusted()
        return key in trusted.host_keys and key not in trusted.revoked

    def verify(self, key: asyncssh.SSHKey) -> None:
        """Accept a trusted key; raise HostKeyError for an unknown, changed or revoked one."""
        if not self.is_trusted(key):
            raise self.refusal(key)

    def refusal(self, key: asyncssh.SSHKey | None) -> HostKeyError:
        """The error for a key known_hosts does not trust: unknown, changed or revoked."""
        trusted = self.trusted()
        where = f"{self.device.host}:{self.device.port}"
        offered = fingerprint(key) if key is not None else "a key"
        trust = TRUST_COMMAND.format(device=self.device.name)
        if key is not None and key in trusted.revoked:
            return HostKeyError(self.device.name, f"host key {offered} of {where} is revoked "
                                f"in {self.path}; refused")
        if trusted.known:
            expected = ", ".join(fingerprint(k) for k in trusted.host_keys) or "a CA-signed key"
            return HostKeyError(
                self.device.name,
                f"HOST KEY CHANGED for {where}: it offers {offered} but {self.path} trusts "
                f"{expected}; someone may be intercepting the connection, refused. If the "
                f"device was re-keyed, check the new fingerprint and run: {trust} --replace",
            )
        return HostKeyError(
            self.device.name,
            f"unknown host key for {where}: {offered} is not in {self.path}; refused. "
            f"If that is the device's key, trust it with: {trust}",
        )

    # -- asyncssh ------------------------------------------------------------------------
    def asyncssh_known_hosts(self) -> tuple[list[asyncssh.SSHKey], list[asyncssh.SSHKey],
                                            list[asyncssh.SSHKey]]:
        """The `known_hosts=` argument of asyncssh.connect: this host's entries only."""
        trusted = self.trusted()
        return trusted.host_keys, trusted.ca_keys, trusted.revoked

    # -- paramiko / netmiko --------------------------------------------------------------
    def paramiko_disabled_key_types(self, preferred: Sequence[str]) -> list[str]:
        """Host key types to switch off so the server offers the type we trust."""
        allowed = {alg.decode() for key in self.trusted().host_keys for alg in key.sig_algorithms}
        if not allowed & set(preferred):
            return []
        return [name for name in preferred if name not in allowed]


def paramiko_key_to_asyncssh(key: Any) -> asyncssh.SSHKey:
    """Convert a paramiko PKey to an asyncssh SSHKey, to check and fingerprint it."""
    return asyncssh.import_public_key(f"{key.get_name()} {key.get_base64()}")


def arm_netmiko(conn: Any, check: HostKeyCheck) -> None:
    """Make a not-yet-opened netmiko connection verify its host key with `check`.

    paramiko is given no key file of its own: every key reaches our policy, which asks the
    same known_hosts as the asyncssh provider (so both providers agree on unknown, changed
    and revoked keys). Host key types we hold no key of are switched off, so a server with
    several keys offers the one we trust. Call before `conn._open()` (`auto_connect=False`).
    Opening then raises HostKeyError, before any password is sent, for a key not trusted.
    """
    import paramiko  # type: ignore[import-untyped]

    if not check.enabled:
        return
    conn.key_policy = _ParamikoPolicy(check)
    conn.system_host_keys = False
    conn.alt_host_keys = False
    disabled = check.paramiko_disabled_key_types(paramiko.Transport._preferred_keys)
    if disabled:
        merged = dict(conn.disabled_algorithms or {})
        merged["keys"] = sorted({*merged.get("keys", []), *disabled})
        conn.disabled_algorithms = merged


class _ParamikoPolicy:
    """paramiko's MissingHostKeyPolicy, answered by our known_hosts check."""

    def __init__(self, check: HostKeyCheck) -> None:
        self.check = check

    def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
        offered = paramiko_key_to_asyncssh(key)
        if self.check.is_trusted(offered):
            return
        client.close()
        raise self.check.refusal(offered)


async def fetch_host_key(host: str, port: int, *, wait: float = 10.0,
                         key_types: Sequence[str] = ()) -> asyncssh.SSHKey:
    """The host key a server presents in its handshake (no login is attempted)."""
    try:
        key = await asyncio.wait_for(
            asyncssh.get_server_host_key(host, port, server_host_key_algs=list(key_types) or (),
                                         config=None),
            wait)
    except TimeoutError:
        raise OSError(f"no SSH handshake from {host}:{port} within {wait:g}s") from None
    except (asyncssh.Error, OSError) as exc:
        raise OSError(f"cannot reach {host}:{port}: {exc}") from None
    if key is None:
        raise OSError(f"{host}:{port} presented no host key")
    return key


def known_hosts_line(host: str, port: int, key: asyncssh.SSHKey) -> str:
    """One OpenSSH known_hosts line for `key` (no comment: nothing about the user leaks)."""
    public = key.export_public_key("openssh").decode().split()
    return f"{host_pattern(host, port)} {public[0]} {public[1]}\n"


def add_trusted_key(path: Path, host: str, port: int, key: asyncssh.SSHKey, *,
                    replace: bool = False) -> int:
    """Append `key` for host:port to known_hosts (0600); with `replace`, drop its old lines.

    Returns how many old lines were removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []
    removed = 0
    if replace:
        kept = []
        for line in lines:
            if _line_matches(line, host, port):
                removed += 1
            else:
                kept.append(line)
        lines = kept
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    lines.append(known_hosts_line(host, port, key))
    tmp = path.with_name(path.name + ".nocdeck-tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
    tmp.replace(path)
    with _cache_lock:
        _cache.pop(path, None)
    return removed


def _line_matches(line: str, host: str, port: int) -> bool:
    text = line.strip()
    if not text or text.startswith("#") or text.startswith("@"):
        return False
    try:
        entry = asyncssh.import_known_hosts(text)
    except (ValueError, asyncssh.KeyImportError):
        return False
    host_keys, *_ = entry._match(host, "", None if port == 22 else port)
    return bool(host_keys)


class OfferedKeyRecorder(asyncssh.SSHClient):
    """Remembers the host key that known_hosts did not trust, so the refusal can show its
    fingerprint; asyncssh calls this only for a key it could not match."""

    def __init__(self) -> None:
        self.offered: asyncssh.SSHKey | None = None

    def validate_host_public_key(self, host: str, addr: str, port: int,
                                 key: asyncssh.SSHKey) -> bool:
        self.offered = key
        return False
