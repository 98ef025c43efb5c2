"""Keystrokes as a terminal sends them, in any packet sizes: what the device echoes and what
it takes as the lines typed (no SSH in between: a recording channel)."""

from __future__ import annotations

from typing import Any

import pytest

from nocdeck.lab.cisco import CiscoSession
from nocdeck.lab.faults import DeviceFaults
from nocdeck.lab.generate import new_cisco_device
from nocdeck.lab.platform import LabDevice
from nocdeck.lab.shell import LabShell


class _Channel:
    def __init__(self) -> None:
        self.written: list[str] = []

    def get_extra_info(self, name: str) -> object:
        return object()

    def write(self, text: str) -> None:
        self.written.append(text)

    def exit(self, status: int) -> None:
        self.written.append(f"<exit {status}>")


class _Runtime:
    def __init__(self, device: LabDevice) -> None:
        self.device = device
        self.faults = DeviceFaults()

    def session_id(self, shell: object) -> int:
        return 1


def _typed(chunks: list[str], *, pty: bool = True) -> tuple[str, list[str]]:
    """What the terminal shows after login, and the lines the device journaled."""
    device = new_cisco_device("cisco_ios", "r1", seed=1, index=0)
    runtime: Any = _Runtime(device)
    shell = LabShell(runtime, lambda: CiscoSession(device, 1, "admin"))
    channel = _Channel()
    shell.connection_made(channel)
    if pty:
        shell.pty_requested("vt100", (80, 24, 0, 0), {})
    shell.shell_requested()
    shell.session_started()
    login = len(channel.written)
    for chunk in chunks:
        shell.data_received(chunk, None)
    return "".join(channel.written[login:]), [entry.line for entry in device.journal]


def _split_everywhere(text: str) -> list[list[str]]:
    return [[text]] + [[text[:n], text[n:]] for n in range(1, len(text))] + [list(text)]


KEYS = "sh\tver\x7f\x7frsion\r\nterm\x15terminal len 0\r"
"""A tab, two backspaces, CR LF, a line erased with ^U, CR."""


@pytest.mark.parametrize("chunks", _split_everywhere(KEYS))
def test_echo_and_lines_do_not_depend_on_packet_boundaries(chunks: list[str]) -> None:
    shown, lines = _typed(chunks)
    assert lines == ["sh\tvrsion", "terminal len 0"]
    assert shown.startswith("sh\tver\b \b\b \brsion\r\n")
    assert "termterminal len 0\r\nr1>" in shown


def test_password_input_is_not_echoed_and_control_characters_are_dropped() -> None:
    shown, lines = _typed(["en\r", "nocdeck-", "enable\r", "sh\x01ow\x1b vlan\x00 brief\r"])
    assert "nocdeck" not in shown
    assert lines == ["en", "********", "show vlan brief"]
    assert "r1#show vlan brief\r\n" in shown


def test_without_a_pty_nothing_is_echoed_and_bare_lf_ends_a_line() -> None:
    shown, lines = _typed(["terminal length 0\nshow version\n"], pty=False)
    assert lines == ["terminal length 0", "show version"]
    assert "terminal" not in shown and "\r\n" not in shown and "Cisco IOS Software" in shown


def test_a_key_at_the_more_prompt_is_not_part_of_the_next_line() -> None:
    shown, lines = _typed(["show version\rqterminal length 0\r"])
    assert lines == ["show version", "terminal length 0"]
    assert " --More-- " in shown and shown.endswith("terminal length 0\r\nr1>")
