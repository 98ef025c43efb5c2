"""A Junos CLI session on a simulated switch: operational and configuration mode.

It speaks the dialogue netmiko's `juniper_junos` driver expects (`set cli …`, `configure`,
`commit`, `exit configuration-mode` and its yes/no question) and answers a bad line the way
Junos does: a caret under the offending word, then `syntax error.` or `unknown command.`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from nocdeck.lab.junos_config import JunosConfig, PathError, Step, body_of, resolve, tokenize
from nocdeck.lab.junos_device import JunosDevice, as_junos_device, new_junos_device
from nocdeck.lab.junos_schema import ROOT, Container
from nocdeck.lab.junos_show import (
    apply_pipes,
    hostname,
    show_interfaces_terse,
    show_system_commit,
    show_system_uptime,
    show_version,
    stamp,
)
from nocdeck.lab.platform import LabDevice, PlatformSession, Reply

__all__ = ["JunosDevice", "JunosSession", "as_junos_device", "new_junos_device"]

Words = list[tuple[str, int]]
_CARET = re.compile(r"^ *\^$", re.MULTILINE)


def _expand(word: str, choices: Sequence[str]) -> str | None:
    """Junos accepts any unique prefix of a keyword (`sh conf`, `int terse`)."""
    if word in choices:
        return word
    found = [c for c in choices if c.startswith(word)]
    return found[0] if len(found) == 1 else None


class JunosSession(PlatformSession):
    """One CLI session: `admin@r3>` in operational mode, `[edit]` + `admin@r3#` in config."""

    def __init__(self, device: LabDevice, session_id: int, username: str) -> None:
        junos = as_junos_device(device)
        super().__init__(junos, session_id, username)
        self.junos = junos
        self.configuring = False
        self.edit_path: list[Step] = []
        self.edit_stack: list[list[Step]] = []
        self._answer: Callable[[str], Reply] | None = None

    @property
    def mode(self) -> str:
        return "configuration" if self.configuring else "operational"

    def _host(self) -> str:
        return hostname(self.junos.committed(), self.device.name)

    def prompt(self) -> str:
        notice = ""
        minutes = self.junos.minutes_to_rollback()
        if minutes is not None:
            notice = f"# commit confirmed will be rolled back in {minutes} minutes\n"
        if not self.configuring:
            return f"{notice}{self.username}@{self._host()}> "
        where = "".join(" " + s.head for s in self.edit_path)
        return f"\n{notice}[edit{where}]\n{self.username}@{self._host()}# "

    def login_banner(self) -> str:
        """The `system login message`, then the release line Junos prints after login."""
        facts = self.device.facts
        login = self.junos.committed().root.children.get("system")
        node = login.children.get("login") if login else None
        message = node.children.get("message") if node else None
        text = message.values[0].replace("\\n", "\n") + "\n\n" if message else ""
        return (f"{text}--- JUNOS {facts['version']} Kernel {facts['bits']}-bit  "
                f"JNPR-12.1-{facts['build']}\n")

    def handle_line(self, line: str) -> Reply:
        self.junos.expire_confirmed_commit()
        if self._answer is not None:
            answer, self._answer = self._answer, None
            reply = answer(line.strip())
        else:
            reply = self._dispatch(line)
        output = reply.output.rstrip("\n")
        if output and not self.configuring and reply.prompt is None and not reply.close \
                and not _CARET.search(output):
            output += "\n\n"  # Junos leaves a blank line before the next prompt
        return Reply(output=output, prompt=reply.prompt, hide_input=reply.hide_input,
                     close=reply.close, exit_status=reply.exit_status)

    def _dispatch(self, line: str) -> Reply:
        words = tokenize(line)
        if not words:
            return Reply()
        pipes: list[list[str]] = []
        for n, (word, _) in enumerate(words):
            if word == "|":
                rest = [w for w, _ in words[n + 1:]]
                words = words[:n]
                while rest:
                    cut = rest.index("|") if "|" in rest else len(rest)
                    pipes.append(rest[:cut])
                    rest = rest[cut + 1:]
                break
        if not words:
            return self._caret(0, "syntax error.")
        if self.configuring:
            return self._configuration(words, pipes)
        return self._operational(words, pipes)

    def rejected_reply(self, line: str) -> Reply:
        """A line the lab's faults refuse, refused the way Junos refuses one."""
        words = tokenize(line)
        return self._caret(words[0][1] if words else 0, "syntax error.")

    def on_disconnect(self) -> None:
        """A dropped `configure exclusive` session frees the database, as on a real box."""
        self.junos.release_exclusive(self.session_id)

    # -- helpers ------------------------------------------------------------------------

    def _caret(self, column: int, message: str) -> Reply:
        width = len(self.prompt().rsplit("\n", 1)[-1])
        return Reply(output=" " * (width + column) + "^\n" + message)

    def _at(self, words: Words, index: int, message: str) -> Reply:
        if index < len(words):
            return self._caret(words[index][1], message)
        end = words[-1][1] + len(words[-1][0]) + 1 if words else 0
        return self._caret(end, message)

    def _piped(self, output: str, pipes: list[list[str]], words: Words) -> Reply:
        result = apply_pipes(output, pipes)
        if result is None:
            return self._caret(words[-1][1] + len(words[-1][0]) + 3, "syntax error.")
        return Reply(output=result)

    # -- operational mode ---------------------------------------------------------------

    def _operational(self, words: Words, pipes: list[list[str]]) -> Reply:
        verb = _expand(words[0][0], ("show", "set", "configure", "exit", "quit"))
        if verb is None:
            return self._at(words, 0, "unknown command.")
        if verb in ("exit", "quit"):
            return Reply(close=True, exit_status=0)
        if verb == "configure":
            return self._configure(words)
        if verb == "set":
            return self._set_cli(words)
        return self._show(words, pipes, self.junos.committed())

    def _configure(self, words: Words) -> Reply:
        if len(words) > 1 and _expand(words[1][0], ("private", "exclusive", "shared")) is None:
            return self._at(words, 1, "syntax error.")
        if len(words) > 1 and _expand(words[1][0], ("exclusive",)):
            refusal = self.junos.take_exclusive(self.session_id, self.username)
            if refusal is not None:
                return Reply(output=refusal)
        self.configuring, self.edit_path, self.edit_stack = True, [], []
        output = "Entering configuration mode"
        if self.junos.has_changes():
            output += "\nThe configuration has been changed but not committed"
        return Reply(output=output)

    def _set_cli(self, words: Words) -> Reply:
        if len(words) < 2 or _expand(words[1][0], ("cli",)) is None:
            return self._at(words, 1, "syntax error.")
        what = _expand(words[2][0], ("screen-width", "screen-length", "complete-on-space")) \
            if len(words) > 2 else None
        if what is None:
            return self._at(words, 2, "syntax error.")
        if len(words) != 4:
            return self._at(words, 4 if len(words) > 4 else 3, "syntax error.")
        value = words[3][0]
        if what == "complete-on-space":
            if value not in ("on", "off"):
                return self._at(words, 3, "syntax error.")
            return Reply(output=("Enabling" if value == "on" else "Disabling")
                         + " complete-on-space")
        low, high = (0, 100_000) if what == "screen-length" else (0, 1024)
        if not value.isdigit() or not low <= int(value) <= high:
            return self._at(words, 3, f"Value {value} is not within range ({low}..{high})")
        if what == "screen-width":
            self.screen_width = int(value)
            return Reply(output=f"Screen width set to {value}")
        self.screen_length = int(value)
        return Reply(output=f"Screen length set to {value}")

    def _show(self, words: Words, pipes: list[list[str]], config: JunosConfig) -> Reply:
        if len(words) < 2:
            return self._at(words, 1, "syntax error, expecting <command>.")
        what = _expand(words[1][0], ("version", "configuration", "interfaces", "system"))
        rest = [w for w, _ in words[2:]]
        if what == "configuration":
            return self._show_config(words, 2, pipes, config, [], top=True)
        if what == "version" and not rest:
            return self._piped(show_version(self.junos), pipes, words)
        if what == "interfaces" and rest and "terse" in rest and len(rest) <= 2:
            names = [w for w in rest if w != "terse"]
            output = show_interfaces_terse(self.junos, names[0] if names else None)
            return self._piped(output, pipes, words)
        if what == "system" and len(rest) == 1:
            sub = _expand(rest[0], ("commit", "uptime"))
            if sub == "commit":
                return self._piped(show_system_commit(self.junos), pipes, words)
            if sub == "uptime":
                return self._piped(show_system_uptime(self.junos), pipes, words)
        bad = 1 if what is None else min(len(words) - 1, 2)
        return self._at(words, bad, "syntax error.")

    def _show_config(self, words: Words, first: int, pipes: list[list[str]],
                     config: JunosConfig, base: list[Step], *, top: bool) -> Reply:
        start = body_of(base[-1].spec) if base else ROOT
        try:
            path = resolve([w for w, _ in words[first:]], start or Container(),
                           need_value=False, offset=first)
        except PathError as error:
            return self._at(words, error.token, error.message)
        steps = [*base, *path.steps]
        display_set = ["display", "set"] in pipes
        compare = next((p for p in pipes if p and p[0] == "compare"), None)
        others = [p for p in pipes if p != ["display", "set"] and p is not compare]
        if compare is not None:
            against = self.junos.rollback_config(int(compare[2])) if compare[1:2] == [
                "rollback"] and len(compare) == 3 and compare[2].isdigit() else (
                self.junos.committed() if len(compare) == 1 else None)
            if against is None:
                return self._caret(words[-1][1] + len(words[-1][0]) + 3, "syntax error.")
            return self._piped(against.compare(config, steps), others, words)
        if display_set:
            return self._piped("".join(ln + "\n" for ln in config.display_set(steps)),
                               others, words)
        node = config.find(steps)
        if steps and node is not None and body_of(node.spec) is None:
            parent = config.find(steps[:-1])
            text = "".join(ln + "\n" for ln in config.render(steps[:-1]).split("\n")
                           if ln.startswith(steps[-1].head)) if parent else ""
        else:
            text = config.render(steps)
        if top and not steps and self.junos.commits:
            latest = self.junos.commits[0]
            label = "Last commit" if not self.configuring else "Last changed"
            text = f"## {label}: {stamp(latest.at)} by {latest.user}\n" + text
        return self._piped(text, others, words)

    # -- configuration mode -------------------------------------------------------------

    def _configuration(self, words: Words, pipes: list[list[str]]) -> Reply:
        verb = _expand(words[0][0], ("set", "delete", "edit", "show", "commit", "rollback",
                                     "exit", "quit", "up", "top", "run", "status"))
        if verb is None:
            return self._at(words, 0, "unknown command.")
        if verb == "run":
            if len(words) < 2:
                return self._at(words, 1, "syntax error, expecting <command>.")
            return self._operational(words[1:], pipes)
        if verb == "show":
            candidate = self.junos.candidate or self.junos.committed()
            return self._show_config(words, 1, pipes, candidate, self.edit_path, top=True)
        if pipes:
            return self._caret(words[-1][1] + len(words[-1][0]) + 1, "syntax error.")
        refusal = self.junos.locked_for(self.session_id)
        if refusal is not None and verb in ("set", "delete", "commit", "rollback"):
            return Reply(output=refusal)
        if verb in ("set", "delete", "edit"):
            return self._edit_statement(verb, words)
        if verb == "commit":
            return self._commit(words)
        if verb == "rollback":
            return self._rollback(words)
        if verb in ("up", "top"):
            if len(words) > 1:
                return self._at(words, 1, "syntax error.")
            self.edit_path = self.edit_path[:-1] if verb == "up" else []
            return Reply()
        if verb == "status":
            return Reply(output=f"Users currently editing the configuration:\n  {self.username} "
                                f"terminal p{self.session_id} ({stamp(self.junos.commits[0].at)})")
        if len(words) > 1 and not (len(words) == 2 and words[1][0] == "configuration-mode"):
            return self._at(words, 1, "syntax error.")
        if len(words) == 1 and self.edit_path:
            self.edit_path = self.edit_stack.pop() if self.edit_stack else []
            return Reply()
        return self._leave()

    def _edit_statement(self, verb: str, words: Words) -> Reply:
        start = body_of(self.edit_path[-1].spec) if self.edit_path else ROOT
        if start is None or len(words) < 2:
            if verb == "edit" and len(words) < 2:
                return Reply()
            return self._at(words, 1, "missing argument.")
        try:
            path = resolve([w for w, _ in words[1:]], start, need_value=verb == "set",
                           offset=1)
        except PathError as error:
            return self._at(words, error.token, error.message)
        if verb == "edit":
            if path.values or body_of(path.steps[-1].spec) is None:
                return self._at(words, len(words) - 1, "syntax error.")
            self.edit_stack.append(self.edit_path)
            self.edit_path = [*self.edit_path, *path.steps]
            return Reply()
        full = type(path)(tuple(self.edit_path) + path.steps, path.values)
        with self.junos.lock:
            candidate = self.junos.editable()
            if verb == "set":
                candidate.set(full)
                return Reply()
            if not candidate.delete(full):
                return Reply(output="warning: statement not found")
        return Reply()

    def _commit(self, words: Words) -> Reply:
        args = [w for w, _ in words[1:]]
        confirm: int | None = None
        comment, check, and_quit = "", False, False
        n = 0
        while n < len(args):
            option = _expand(args[n], ("check", "confirmed", "comment", "and-quit"))
            if option == "check" and len(args) == 1:
                check = True
            elif option == "confirmed" and confirm is None:
                confirm = 10
                if n + 1 < len(args) and args[n + 1].isdigit():
                    n += 1
                    confirm = int(args[n])
                    if not 1 <= confirm <= 65535:
                        return self._at(words, n + 1, f"Value {confirm} is not within range "
                                                      "(1..65535)")
            elif option == "comment" and n + 1 < len(args):
                n += 1
                comment = args[n]
            elif option == "and-quit" and not and_quit:
                and_quit = True
            else:
                return self._at(words, n + 1, "syntax error.")
            n += 1
        if check:
            return Reply(output="configuration check succeeds")
        self.junos.commit(self.username, comment=comment, confirm_minutes=confirm)
        output = "commit complete"
        if confirm is not None:
            output = (f"commit confirmed will be automatically rolled back in {confirm} "
                      f"minutes unless confirmed\n{output}")
        if and_quit:
            self.junos.release_exclusive(self.session_id)
            self.configuring, self.edit_path = False, []
            output += "\nExiting configuration mode"
        return Reply(output=output)

    def _rollback(self, words: Words) -> Reply:
        if len(words) > 2:
            return self._at(words, 2, "syntax error.")
        number = words[1][0] if len(words) == 2 else "0"
        if not number.isdigit() or int(number) > 49:
            return self._at(words, 1, f"Value {number} is not within range (0..49)")
        config = self.junos.rollback_config(int(number))
        if config is None:
            return Reply(output=f"error: rollback {number} does not exist")
        with self.junos.lock:
            self.junos.candidate = None if number == "0" else config.copy()
        return Reply(output="load complete")

    def _leave(self) -> Reply:
        if not self.junos.has_changes():
            return self._exit_configuration()
        self._answer = self._answer_exit
        return Reply(output="The configuration has been changed but not committed",
                     prompt="Exit with uncommitted changes? [yes,no] (yes) ")

    def _answer_exit(self, answer: str) -> Reply:
        if answer.lower() in ("", "y", "yes"):
            return self._exit_configuration()
        if answer.lower() in ("n", "no"):
            return Reply()
        self._answer = self._answer_exit
        return Reply(output="Please answer 'yes' or 'no'.",
                     prompt="Exit with uncommitted changes? [yes,no] (yes) ")

    def _exit_configuration(self) -> Reply:
        self.junos.release_exclusive(self.session_id)
        self.configuring, self.edit_path, self.edit_stack = False, [], []
        return Reply(output="Exiting configuration mode")
