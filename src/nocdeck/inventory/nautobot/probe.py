"""Discovery's first contact with a device: log in, read the prompt, `show version`, config.

The platform is not known yet, so this is not a provider: one SSH shell (asyncssh, PTY) whose
prompt says whether it is Junos (`user@host>`) or IOS/EOS-like (`host#`), then `show version`
says which. Every failure is one sentence naming the target (`127.0.0.1:2201`); a password
never appears in one. Host keys are verified against known_hosts unless told otherwise.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from nocdeck.credentials import ResolvedCredentials
from nocdeck.redaction import GLOBAL_REDACTOR

PROMPT = re.compile(r"(?m)^(?:\x1b\[[0-9;]*[A-Za-z])*([\w.\-]+@)?([\w.\-/:()]+)"
                    r"(?:\(config[^)]*\))?[>#%]\s?$")
MORE = re.compile(r"--\s?More\s?--|---\(more")

VERSION_PATTERNS: tuple[tuple[str, str, str, str], ...] = (
    # platform, manufacturer, version regex, model regex
    ("juniper_junos", "Juniper", r"(?m)^Junos: (\S+)", r"(?m)^Model: (\S+)"),
    ("arista_eos", "Arista", r"(?m)^Software image version: (\S+)", r"(?m)^Arista (\S+)"),
    ("cisco_xe", "Cisco", r"Cisco IOS[ -]XE Software.*?Version (\S+?),?\s",
     r"(?m)^cisco (\S+) .*processor"),
    ("cisco_ios", "Cisco", r"Cisco IOS Software.*?Version (\S+?),?\s",
     r"(?m)^cisco (\S+) .*processor"),
)


class ProbeFailed(Exception):
    """One target could not be identified; the message names it and why."""


@dataclass(frozen=True)
class Probed:
    target: str
    host: str
    port: int
    hostname: str
    platform: str
    manufacturer: str
    software_version: str
    model: str
    config: str
    """The running config (IOS/EOS) or `show configuration | display set` (Junos)."""


def identify(show_version: str) -> tuple[str, str, str, str]:
    """(platform, manufacturer, version, model) from `show version`; ProbeFailed if unknown."""
    for platform, manufacturer, version_re, model_re in VERSION_PATTERNS:
        version = re.search(version_re, show_version, re.S)
        if version:
            model = re.search(model_re, show_version)
            return platform, manufacturer, version.group(1), model.group(1) if model else ""
    first = next((line for line in show_version.splitlines() if line.strip()), "")
    raise ProbeFailed(f"`show version` does not name a platform nocdeck knows "
                      f"(IOS, IOS-XE, EOS, Junos); it starts {first[:60]!r}")


class _Shell:
    def __init__(self, process: asyncssh.SSHClientProcess[str], timeout: float) -> None:
        self.process = process
        self.timeout = timeout
        self.prompt = ""

    async def read_prompt(self) -> str:
        buffer = ""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise ProbeFailed(f"no prompt within {self.timeout:g} s "
                                  f"(last output {GLOBAL_REDACTOR.mask(buffer[-60:])!r})")
            chunk = await asyncio.wait_for(self.process.stdout.read(4096), remaining)
            if not chunk:
                raise ProbeFailed("the device closed the session")
            buffer += chunk.replace("\r", "")
            if MORE.search(buffer[-40:]):
                buffer = MORE.sub("", buffer)
                self.process.stdin.write(" ")
                continue
            tail = buffer.rstrip("\n").rsplit("\n", 1)[-1]
            match = PROMPT.match(tail)
            if match:
                self.prompt = tail.strip()
                return buffer[: len(buffer) - len(tail)]

    async def enable(self, secret: str | None) -> None:
        """IOS/EOS user exec (`>`) cannot show the config: enter privileged exec."""
        self.process.stdin.write("enable\n")
        buffer = ""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        while not buffer.rstrip().endswith(("assword:", "#", ">")):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise ProbeFailed("no answer to `enable`")
            chunk = await asyncio.wait_for(self.process.stdout.read(4096), remaining)
            if not chunk:
                raise ProbeFailed("the device closed the session at `enable`")
            buffer += chunk.replace("\r", "")
        if buffer.rstrip().endswith("assword:"):
            self.process.stdin.write((secret or "") + "\n")
            await self.read_prompt()
        else:
            self.prompt = buffer.rstrip().rsplit("\n", 1)[-1].strip()
        if not self.prompt.endswith("#"):
            raise ProbeFailed("`enable` was refused (check the credential's enable secret)")

    async def run(self, command: str) -> str:
        self.process.stdin.write(command + "\n")
        output = await self.read_prompt()
        lines = output.split("\n")
        if lines and command in lines[0]:
            lines = lines[1:]
        return "\n".join(lines).strip("\n")


def hostname_from_prompt(prompt: str) -> str:
    match = PROMPT.match(prompt)
    return match.group(2) if match else ""


async def probe(host: str, port: int, credentials: ResolvedCredentials, *,
                known_hosts: Path | None, timeout: float = 15.0  # noqa: ASYNC109
                ) -> Probed:
    """Log in, identify, read the config; ProbeFailed names the target and the reason."""
    target = f"{host}:{port}"
    options: dict[str, object] = {"known_hosts": str(known_hosts) if known_hosts else None}
    if not credentials.use_keys:
        options.update(client_keys=None, agent_path=None)
    try:
        async with asyncio.timeout(timeout * 3):
            conn = await asyncio.wait_for(asyncssh.connect(
                host, port, username=credentials.username, password=credentials.password,
                preferred_auth="password,keyboard-interactive" if credentials.password
                else "publickey", **options), timeout)
            async with conn:
                process = await conn.create_process(term_type="vt100", term_size=(200, 50))
                shell = _Shell(process, timeout)
                await shell.read_prompt()
                junos = "@" in shell.prompt
                if junos:
                    await shell.run("set cli screen-length 0")
                else:
                    if shell.prompt.endswith(">"):
                        await shell.enable(credentials.enable_secret)
                    await shell.run("terminal length 0")
                version_text = await shell.run("show version")
                platform, manufacturer, version, model = identify(version_text)
                config = await shell.run("show configuration | display set" if junos
                                         else "show running-config")
                process.stdin.write("exit\n")
                found = Probed(target, host, port, hostname_from_prompt(shell.prompt), platform,
                              manufacturer, version, model, GLOBAL_REDACTOR.mask(config))
    except ProbeFailed as exc:
        raise ProbeFailed(f"{target}: {exc}") from None
    except TimeoutError:
        raise ProbeFailed(f"{target}: no answer within {timeout:g} s") from None
    except asyncssh.HostKeyNotVerifiable:
        raise ProbeFailed(f"{target}: its SSH host key is not in known_hosts; check its "
                          "fingerprint and add it (ssh-keyscan), or discover lab devices "
                          "with --no-host-key-check") from None
    except asyncssh.PermissionDenied:
        raise ProbeFailed(f"{target}: login refused for user {credentials.username!r} "
                          f"(credentials {credentials.reference or 'ssh keys'})") from None
    except (OSError, asyncssh.Error) as exc:
        detail = GLOBAL_REDACTOR.mask(str(exc)) or type(exc).__name__
        raise ProbeFailed(f"{target}: cannot connect: {detail}") from None
    return found
