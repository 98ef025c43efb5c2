"""Log in to a device for an interactive session, the way the providers do, plus the
user's OpenSSH config (ProxyJump, IdentityFile, User, Port) as `ssh` would read it.

Host keys are checked against the same known_hosts with the same `HostKeyCheck` (refused
before any password is sent; lab devices have `host_key_check: false`), and credentials are
the same references (`lab`, `cred:NAME`, keys/agent).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncssh

from nocdeck.credentials import ResolvedCredentials
from nocdeck.errors import AuthenticationFailed, DeviceTimeout, DeviceUnreachable
from nocdeck.inventory.models import Device
from nocdeck.providers.asyncssh_shell import CIPHERS
from nocdeck.providers.hostkeys import HostKeyCheck, OfferedKeyRecorder


def ssh_config_paths() -> list[Path]:
    """The user's OpenSSH client config, if there is one."""
    path = Path("~/.ssh/config").expanduser()
    return [path] if path.is_file() else []


async def connect_device(device: Device, credentials: ResolvedCredentials, *,
                         known_hosts: str | None, connect_timeout: float
                         ) -> asyncssh.SSHClientConnection:
    """An authenticated connection to `device`, or one typed error naming it."""
    check = HostKeyCheck(device, known_hosts)
    offered = OfferedKeyRecorder()
    where = f"{device.host}:{device.port}"
    keys = credentials.use_keys
    username = credentials.username if (device.credentials or device.username) else ()
    try:
        async with asyncio.timeout(connect_timeout):
            return await asyncssh.connect(
                device.host, device.port if device.port != 22 else (),
                username=username,
                password=credentials.password,
                known_hosts=check.asyncssh_known_hosts() if check.enabled else None,
                client_factory=lambda: offered,
                client_keys=() if keys else None,
                agent_path=() if keys else None,
                preferred_auth=("publickey,keyboard-interactive,password" if keys
                                else "keyboard-interactive,password"),
                config=[str(p) for p in ssh_config_paths()] or None,
                encryption_algs=list(CIPHERS),
                connect_timeout=connect_timeout,
            )
    except asyncssh.HostKeyNotVerifiable:
        raise check.refusal(offered.offered) from None
    except asyncssh.PermissionDenied:
        raise AuthenticationFailed(
            device.name, f"login refused for user {credentials.username!r} at {where} "
            f"(credential {credentials.reference or 'SSH keys'})") from None
    except TimeoutError:
        raise DeviceTimeout(device.name, f"no SSH login at {where} within "
                            f"{connect_timeout:g}s") from None
    except ConnectionRefusedError:
        raise DeviceUnreachable(device.name, f"connection refused by {where}") from None
    except (asyncssh.Error, OSError) as exc:
        raise DeviceUnreachable(device.name, f"cannot connect to {where}: {exc}") from None
