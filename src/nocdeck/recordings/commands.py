"""The commands typed in a session, read from the device's echo rather than the keystrokes.

Keystrokes hide what the device ran (tab completion, history recall, line editing); the line
the device echoes after Enter shows it: `r1(config)#hostname core-1`. So a command is the
first complete output line after Enter that starts with a prompt, and its answer is the
output that follows, until the next command.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

PROMPT_LINE = re.compile(r"^(?P<prompt>[\w.@:/~()\[\]-]+[#>$%] ?)(?P<command>.*)$")
"""A device prompt then what was typed: IOS/EOS `r1(config)#…`, Junos `admin@r3> …`."""
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|[\x00-\x07\x0b-\x1f]")
_BACKSPACE = re.compile(r"[^\n]\x08")
ANSWER_LIMIT = 8000
"""Characters of each answer kept beside the command (the transcript has all of it)."""
LINE_LIMIT = 4096


def clean_line(line: str) -> str:
    """A terminal line as it reads on screen: backspaces applied, escapes and CR gone."""
    while "\x08" in line:
        stripped = _BACKSPACE.sub("", line, count=1)
        if stripped == line:
            line = line.replace("\x08", "")
            break
        line = stripped
    return _CONTROL.sub("", line.replace("\r", ""))


@dataclass
class TypedCommand:
    seq: int
    at: dt.datetime
    t: float
    command: str
    answer: str = ""
    answer_chars: int = 0
    stored: bool = False
    """Written to the store; later growth of the answer is an update."""
    dirty: bool = False


class CommandLog:
    """Turns masked output and Enter presses into commands with their answers."""

    def __init__(self) -> None:
        self.commands: list[TypedCommand] = []
        self._pending: tuple[dt.datetime, float] | None = None
        self._line = ""

    def enter_pressed(self, at: dt.datetime, t: float) -> None:
        self._pending = (at, t)

    def output(self, text: str) -> None:
        """Feed masked output (complete lines and released prompts alike)."""
        while self._pending is not None:
            cut = text.find("\n")
            if cut < 0:
                break
            piece, text = text[:cut + 1], text[cut + 1:]
            line, self._line = self._line + piece, ""
            match = PROMPT_LINE.match(clean_line(line))
            if match is None:
                self._answer(piece)
                continue
            at, t = self._pending
            self._pending = None
            command = match.group("command").strip()
            if command:
                self.commands.append(TypedCommand(len(self.commands), at, t, command))
        self._answer(text)
        cut = text.rfind("\n")
        self._line = text[cut + 1:] if cut >= 0 else (self._line + text)[-LINE_LIMIT:]

    def _answer(self, text: str) -> None:
        if not self.commands or not text:
            return
        current = self.commands[-1]
        room = ANSWER_LIMIT - current.answer_chars
        current.answer_chars += len(text)
        if room > 0:
            current.answer += text[:room]
            current.dirty = True

    def answer_text(self, command: TypedCommand) -> str:
        """The answer as stored: clean lines, the trailing prompt dropped, cut at the limit."""
        lines = [clean_line(line) for line in command.answer.split("\n")]
        if lines and PROMPT_LINE.match(lines[-1]):
            lines.pop()
        text = "\n".join(lines).strip("\n")
        if command.answer_chars > ANSWER_LIMIT:
            text += f"\n… ({command.answer_chars - ANSWER_LIMIT} more characters in the transcript)"
        return text
