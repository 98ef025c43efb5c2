"""The seam between the lab's SSH server and each simulated operating system.

The server (transport, login, echo, `--More--` paging, faults) is the same for every
platform; what a line typed at the prompt does is the platform's business. A platform module
provides a `PlatformSession` per SSH session over one shared `LabDevice` state, so a change
made in one session shows in the next.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class JournalEntry:
    """One line a lab device received, and the mode it was in (tests read these)."""

    line: str
    mode: str
    """`exec`, `enable`, `config`, `config-if`, `config-vlan`, … (IOS/EOS) or
    `operational` / `configuration` (Junos)."""
    session: int
    at: float = field(default_factory=time.time)

    @property
    def is_config(self) -> bool:
        """True when the line was received in a configuration mode."""
        return self.mode.startswith("config")


@dataclass
class LabDevice:
    """The state of one simulated device, shared by all its sessions."""

    name: str
    platform: str
    running: Any
    """The platform's config model (its own class); `startup` is a copy saved by `write mem`."""
    startup: Any
    facts: dict[str, Any] = field(default_factory=dict)
    """model, serial, software version, uptime base: what `show version` prints."""
    journal: list[JournalEntry] = field(default_factory=list)
    time_scale: float = 1.0
    """Lab seconds per real second: `commit confirmed 1` rolls back after 60 / time_scale s."""
    enable_secret: str | None = None

    def record(self, line: str, mode: str, session: int) -> None:
        self.journal.append(JournalEntry(line=line, mode=mode, session=session))


@dataclass(frozen=True)
class Reply:
    """What the device answers to one line."""

    output: str = ""
    """Text printed before the next prompt (may be empty; lines separated by \\n)."""
    prompt: str | None = None
    """A one-off prompt instead of the normal one (`Password: `, a yes/no question)."""
    hide_input: bool = False
    """Read the next line without echo (password prompts)."""
    close: bool = False
    """Close the channel after the output (`exit` at the top level)."""
    exit_status: int = 0


class PlatformSession(ABC):
    """One interactive CLI session on a `LabDevice`."""

    def __init__(self, device: LabDevice, session_id: int, username: str) -> None:
        self.device = device
        self.session_id = session_id
        self.username = username
        self.screen_length = 24
        """Lines per page before `--More--`; 0 disables paging (`terminal length 0`)."""
        self.screen_width = 80

    @property
    @abstractmethod
    def mode(self) -> str:
        """The current mode name, recorded in the journal with each line."""

    @abstractmethod
    def prompt(self) -> str:
        """The prompt to print now (`r1#`, `r1(config-if)#`, `admin@r3# `)."""

    @abstractmethod
    def handle_line(self, line: str) -> Reply:
        """Act on one line typed at the prompt (already journaled by the server)."""

    def rejected_reply(self, line: str) -> Reply:
        """The platform's own error for a line the lab's faults reject (`reject=^ntp`)."""
        if "junos" in self.device.platform:
            return Reply(output="syntax error.")
        return Reply(output="% Invalid input")

    def run_exec(self, command: str) -> Reply:
        """Answer an SSH `exec` request (`ssh r1 show version`): one command, then close."""
        return self.handle_line(command)

    def login_banner(self) -> str:
        """Text shown right after login, before the first prompt."""
        return ""

    def on_disconnect(self) -> None:  # noqa: B027 - optional hook
        """Called when the session ends, however it ends (Junos releases its edit lock)."""
