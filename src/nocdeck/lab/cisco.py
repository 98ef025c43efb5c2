"""The CLI session of the IOS-like and EOS-like simulators.

One engine serves both platforms; their grammar and wording come from their `Flavor`. The
session walks the modes a NOC engineer knows (`r1>`, `r1#`, `r1(config)#`, `r1(config-if)#`),
parses each line against the mode's grammar (abbreviations, caret errors) and changes the
shared running config, so the next session sees the change.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from nocdeck.lab import cisco_show
from nocdeck.lab.ciscoconf import CiscoConfig, Node
from nocdeck.lab.flavor import Flavor, load_flavor
from nocdeck.lab.grammar import Match, Problem, compress_vlans, expand_vlans
from nocdeck.lab.platform import LabDevice, PlatformSession, Reply
from nocdeck.lab.secrets import hash_secret

PIPE_FILTERS = ("include", "exclude", "begin", "section", "count")


class CiscoSession(PlatformSession):
    """An interactive session on an IOS-like or EOS-like `LabDevice`."""

    def __init__(self, device: LabDevice, session_id: int, username: str) -> None:
        super().__init__(device, session_id, username)
        self.flavor: Flavor = load_flavor(device.platform)
        self._stack: list[tuple[str, Node | None]] = [("exec", None)]
        self._pending: Callable[[str], Reply] | None = None
        self._pending_mode = ""
        self._banner: list[str] = []
        self._delimiter = ""

    # -- the seam ------------------------------------------------------------------------
    @property
    def config(self) -> CiscoConfig:
        running: CiscoConfig = self.device.running
        return running

    @property
    def mode(self) -> str:
        return self._pending_mode if self._pending else self._stack[-1][0]

    def prompt(self) -> str:
        host, mode = self.config.hostname, self._stack[-1][0]
        if mode == "exec":
            return f"{host}>"
        if mode == "enable":
            return f"{host}#"
        return f"{host}({mode})#"

    def login_banner(self) -> str:
        banner = self.config.banner
        return "\n".join(["", *banner, ""]) if banner else ""

    def rejected_reply(self, line: str) -> Reply:
        return self._problem(Problem("invalid", len(line) - len(line.lstrip()),
                                     line.split()[0] if line.split() else ""), line)

    def handle_line(self, line: str) -> Reply:
        if self._pending is not None:
            handler, self._pending = self._pending, None
            return handler(line)
        text = line.strip()
        if not text or text.startswith("!"):
            return Reply()
        if self._stack[-1][0] in ("exec", "enable"):
            return self._exec(text, self._stack[-1][0])
        return self._configure(text)

    def run_exec(self, command: str) -> Reply:
        """An `exec` request (`ssh r1 show version`): one command at privilege 15."""
        self._stack = [("exec", None), ("enable", None)]
        return self.handle_line(command)

    # -- errors --------------------------------------------------------------------------
    def _problem(self, problem: Problem, line: str, offset: int = 0) -> Reply:
        if problem.kind == "ambiguous":
            return Reply(output=self.flavor.message("ambiguous", line=line))
        if problem.kind == "incomplete":
            return Reply(output=self.flavor.message("incomplete"))
        column = problem.column + offset
        if self.flavor.platform == "arista_eos":
            start = problem.start + offset
            token = len(line[:start].split())
            word = line[start:].split()[0] if line[start:].split() else problem.word
            return Reply(output=self.flavor.message("invalid", token=token, word=word))
        caret = " " * (len(self.prompt()) + column) + "^"
        return Reply(output=f"{caret}\n{self.flavor.message('invalid')}")

    # -- exec and enable modes -----------------------------------------------------------
    def _exec(self, text: str, mode: str) -> Reply:
        command, bar, pipe = text.partition("|")
        result = self.flavor.grammars[mode].parse(command.rstrip())
        if isinstance(result, Problem):
            return self._problem(result, text)
        action = result.command.action
        if bar and not action.startswith("show"):
            return self._problem(Problem("invalid", len(command)), text)
        reply: Reply = getattr(self, f"_do_{action}")(result)
        if bar:
            return self._filter(reply, pipe.strip(), text, len(command) + 1)
        return reply

    def _filter(self, reply: Reply, pipe: str, text: str, column: int) -> Reply:
        verb, _, pattern = pipe.partition(" ")
        names = [f for f in PIPE_FILTERS if verb and f.startswith(verb.lower())]
        if len(names) != 1 or (not pattern.strip() and names[0] != "count"):
            kind = "incomplete" if len(names) == 1 else "invalid"
            return self._problem(Problem(kind, column + 1), text)
        try:
            regex = re.compile(pattern.strip())
        except re.error:
            return self._problem(Problem("invalid", column + 1 + len(verb) + 1), text)
        lines = reply.output.splitlines()
        name = names[0]
        if name == "include":
            kept = [x for x in lines if regex.search(x)]
        elif name == "exclude":
            kept = [x for x in lines if not regex.search(x)]
        elif name == "begin":
            starts = [i for i, x in enumerate(lines) if regex.search(x)]
            kept = lines[starts[0]:] if starts else []
        elif name == "count":
            return Reply(output=f"Number of lines which match regexp = "
                                f"{sum(1 for x in lines if regex.search(x))}")
        else:
            kept = _sections(lines, regex)
        return Reply(output="\n".join(kept))

    def _stored_enable_secret(self) -> tuple[str, str] | None:
        """(type, value) of the `enable secret`/`enable password` line, if there is one."""
        for node in self.config.nodes:
            words = node.text.split()
            if words[:1] == ["enable"] and len(words) >= 3:
                return (words[2] if len(words) > 3 else "0"), words[-1]
        return None

    def _do_enable(self, match: Match) -> Reply:
        if self._stack[-1][0] != "exec":
            return Reply()
        if self._stored_enable_secret() is None:
            return Reply(output="% No password set")
        self._pending, self._pending_mode = self._check_enable, "password"
        return Reply(prompt="Password: ", hide_input=True)

    def _check_enable(self, line: str) -> Reply:
        stored = self._stored_enable_secret()
        typed = line.rstrip("\r\n")
        eos = self.flavor.platform == "arista_eos"
        if stored is not None and (typed == stored[1] if stored[0] == "0"
                                   else hash_secret(typed, eos=eos) == stored[1]):
            self._stack.append(("enable", None))
            return Reply()
        return Reply(output=self.flavor.message("access_denied"))

    def _do_exit(self, match: Match) -> Reply:
        return Reply(close=True, exit_status=0)

    def _do_disable(self, match: Match) -> Reply:
        self._stack = [("exec", None)]
        return Reply()

    def _do_terminal_length(self, match: Match) -> Reply:
        self.screen_length = int(match.args[0])
        return Reply(output=self.flavor.message("terminal_length"))

    def _do_terminal_width(self, match: Match) -> Reply:
        self.screen_width = int(match.args[0])
        return Reply(output=self.flavor.message("terminal_width", width=self.screen_width))

    def _do_configure(self, match: Match) -> Reply:
        self._stack.append(("config", None))
        return Reply(output=self.flavor.message("configure"))

    def _do_show_version(self, match: Match) -> Reply:
        return Reply(output=cisco_show.show_version(self.config, self.flavor, self.device.facts))

    def _do_show_interfaces_status(self, match: Match) -> Reply:
        return Reply(output=cisco_show.show_interfaces_status(self.config, self.flavor))

    def _do_show_ip_interface_brief(self, match: Match) -> Reply:
        return Reply(output=cisco_show.show_ip_interface_brief(self.config, self.flavor))

    def _do_show_vlan_brief(self, match: Match) -> Reply:
        return Reply(output=cisco_show.show_vlan_brief(self.config, self.flavor))

    def _config_header(self, body: str) -> str:
        if self.flavor.platform == "arista_eos":
            facts = self.device.facts
            return (f"! Command: show running-config\n! device: {self.config.hostname} "
                    f"({facts['model']}, EOS-{facts['version']})\n!\n"
                    f"! boot system flash:/EOS-{facts['version']}.swi\n!\n")
        return f"Building configuration...\n\nCurrent configuration : {len(body)} bytes\n"

    def _do_show_running_config(self, match: Match) -> Reply:
        body = self.config.render()
        return Reply(output=self._config_header(body) + body)

    def _do_show_running_interface(self, match: Match) -> Reply:
        node = self.config.find(f"interface {match.args[0]}")
        if node is None:
            return Reply(output=f"% Interface {match.args[0]} does not exist")
        indent = self.flavor.layout.indent
        body = "\n".join([node.text, *(indent + c.text for c in node.children)]) + "\n"
        if self.flavor.platform == "arista_eos":
            return Reply(output=body)
        return Reply(output=f"Building configuration...\n\nCurrent configuration : "
                            f"{len(body)} bytes\n!\n{body}end\n")

    def _do_show_startup_config(self, match: Match) -> Reply:
        startup: CiscoConfig = self.device.startup
        body = startup.render()
        if self.flavor.platform == "arista_eos":
            return Reply(output=self._config_header(body).replace("running", "startup") + body)
        return Reply(output=f"Using {len(body)} out of 524288 bytes\n!\n{body}")

    def _save(self) -> Reply:
        self.device.startup = self.config.copy()
        return Reply(output=self.flavor.message("saved"))

    def _do_write_memory(self, match: Match) -> Reply:
        return self._save()

    def _do_copy_startup(self, match: Match) -> Reply:
        question = self.flavor.message("copy_prompt")
        if not question:
            return self._save()
        self._pending, self._pending_mode = self._copy_destination, "enable"
        return Reply(prompt=question)

    def _copy_destination(self, line: str) -> Reply:
        if line.strip() in ("", "startup-config"):
            return self._save()
        return Reply(output=f"%Error opening nvram:{line.strip()} (No such file or directory)")

    def _do_reload(self, match: Match) -> Reply:
        self._pending, self._pending_mode = self._reload_confirm, "enable"
        return Reply(prompt=self.flavor.message("reload_prompt"))

    def _reload_confirm(self, line: str) -> Reply:
        if line.strip().lower() not in ("", "y", "yes", "confirm"):
            return Reply()
        startup: CiscoConfig = self.device.startup
        self.device.running = startup.copy()
        self._stack = [("exec", None)]
        return Reply(close=True, exit_status=0)

    # -- configuration modes -------------------------------------------------------------
    def _configure(self, text: str) -> Reply:
        from nocdeck.lab.cisco_config import apply_config_line

        return apply_config_line(self, text)

    def push_mode(self, mode: str, node: Node | None) -> None:
        self._stack.append((mode, node))

    def pop_to(self, mode: str) -> None:
        while len(self._stack) > 1 and self._stack[-1][0] != mode:
            self._stack.pop()

    @property
    def section(self) -> Node | None:
        return self._stack[-1][1]

    def collect_banner(self, delimiter: str, first: list[str]) -> Reply:
        """Read banner lines until the delimiter (IOS) or `EOF` (EOS), without a prompt."""
        self._banner, self._delimiter = list(first), delimiter
        self._pending, self._pending_mode = self._banner_line, "config"
        return Reply(output=self.flavor.message("banner", delimiter=delimiter), prompt="")

    def _banner_line(self, line: str) -> Reply:
        text = line.rstrip("\r\n")
        if self._delimiter in text:
            head = text.split(self._delimiter, 1)[0]
            if head:
                self._banner.append(head)
            self.config.set_banner(self._banner)
            return Reply()
        self._banner.append(text)
        self._pending, self._pending_mode = self._banner_line, "config"
        return Reply(prompt="")

    def exec_from_config(self, command: str) -> Reply:
        """`do show …` in a configuration mode."""
        return self._exec(command, "enable")

    def trunk_vlans(self, operation: str, vlans: str) -> None:
        node = self.section
        if node is None:
            return
        current: list[int] = []
        for child in node.children:
            words = child.text.split()
            if words[:4] == ["switchport", "trunk", "allowed", "vlan"]:
                current = expand_vlans(words[4])
        change = set(expand_vlans(vlans))
        result = sorted(set(current) | change if operation == "add" else set(current) - change)
        if result:
            self.config.set_line(f"switchport trunk allowed vlan {compress_vlans(result)}", 4,
                                 node)
        else:
            self.config.set_line("switchport trunk allowed vlan none", 4, node)

    def set_secret(self, words: tuple[str, ...], key: int, *, enable: bool) -> None:
        """Store `enable secret` / `username … secret` hashed, as the device does."""
        index = next(i for i, w in enumerate(words) if w in ("secret", "password"))
        value = words[-1]
        given_type = words[index + 1] if index + 1 < len(words) - 1 else None
        eos = self.flavor.platform == "arista_eos"
        if given_type in (None, "0"):
            if enable:
                self.device.enable_secret = value
            hashed = hash_secret(value, eos=eos)
            kind = "sha512" if eos else "9"
            head: tuple[str, ...] = (("enable", "password") if enable and eos
                                     else (*words[:index], "secret"))
            line = " ".join([*head, kind, hashed])
        else:
            line = " ".join(words)
        self.config.set_line(line, key, None)


def _sections(lines: list[str], regex: re.Pattern[str]) -> list[str]:
    """`| section X`: whole blocks whose header matches, else matching lines of a block."""
    kept: list[str] = []
    index = 0
    while index < len(lines):
        header = lines[index]
        end = index + 1
        while end < len(lines) and lines[end][:1] == " ":
            end += 1
        if header[:1] != " " and regex.search(header):
            kept.extend(lines[index:end])
        else:
            children = [x for x in lines[index + 1:end] if regex.search(x)]
            if children:
                kept.extend([header, *children])
        index = end
    return kept
