"""What a line typed in a configuration mode does to an IOS-like or EOS-like config.

Kept apart from the session so the rules read in one place: a sub-mode falls back to the
global mode (typing `vlan 30` under an interface leaves it, like the device), `no …` removes
every line that starts with the same words, `default …` resets, section lines enter their
sub-mode, secrets are stored hashed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nocdeck.lab.grammar import Match, Problem
from nocdeck.lab.platform import Reply

if TYPE_CHECKING:
    from nocdeck.lab.cisco import CiscoSession


def apply_config_line(session: CiscoSession, text: str) -> Reply:
    words = text.split()
    first = words[0].lower()
    if first in ("no", "default") and len(words) > 1:
        rest = text[len(words[0]):].lstrip()
        return _negate(session, rest, text, reset=first == "default")
    result = _parse(session, text, partial=False)
    if isinstance(result, Problem):
        return session._problem(result, text)
    return _apply(session, result)


def _parse(session: CiscoSession, text: str, *, partial: bool) -> Match | Problem:
    """Parse in the current mode, then (leaving the sub-mode) in the global mode."""
    mode = session.mode
    result = session.flavor.grammars[mode].parse(text, partial=partial)
    if isinstance(result, Problem) and mode != "config":
        fallback = session.flavor.grammars["config"].parse(text, partial=partial)
        if isinstance(fallback, Match) and fallback.command.action not in ("end", "exit", "do"):
            session.pop_to("config")
            return fallback
    return result


def _apply(session: CiscoSession, match: Match) -> Reply:
    config, command = session.config, match.command
    line = " ".join(match.words)
    action = command.action
    if action == "end":
        session.pop_to("enable")
    elif action == "exit":
        session.pop_to("config" if session.mode != "config" else "enable")
    elif action == "do":
        return session.exec_from_config(match.args[0])
    elif action == "interface":
        name = match.args[0]
        if config.find(f"interface {name}") is None and not session.flavor.is_logical(name):
            return session._problem(Problem("invalid", len(match.words[0]) + 1), line)
        session.push_mode(command.enter or "config-if", config.section(f"interface {name}"))
    elif action == "section":
        session.push_mode(command.enter or "config", config.section(line))
    elif action == "banner":
        return _banner(session, match)
    elif action in ("username", "enable_secret"):
        session.set_secret(match.words, command.key, enable=action == "enable_secret")
    elif action == "trunk_vlans":
        session.trunk_vlans(match.words[4], match.args[-1])
    else:
        parent = session.section
        config.remove(("no", *match.words), parent)
        config.set_line(line, command.key, parent)
    return Reply()


def _banner(session: CiscoSession, match: Match) -> Reply:
    if session.flavor.layout.banner_style == "eos":
        return session.collect_banner("EOF", [])
    rest = match.args[0] if match.args else ""
    if not rest:
        return session._problem(Problem("incomplete"), " ".join(match.words))
    delimiter = "^C" if rest.startswith("^C") else rest[0]
    body = rest[len(delimiter):]
    if delimiter in body:
        session.config.set_banner([body.split(delimiter, 1)[0]])
        return Reply()
    return session.collect_banner(delimiter, [body] if body else [])


def _negate(session: CiscoSession, rest: str, text: str, *, reset: bool) -> Reply:
    offset = len(text) - len(rest)
    result = _parse(session, rest, partial=True)
    if isinstance(result, Problem):
        return session._problem(result, text, offset=offset)
    config, command = session.config, result.command
    words = result.words
    if command.action in ("end", "exit", "do"):
        return session._problem(Problem("invalid", 0), text, offset=offset)
    if command.action == "banner":
        config.set_banner(None)
    elif command.action in ("interface", "section") and len(words) >= 2:
        header = " ".join(words)
        node = config.find(header)
        if node is not None and command.action == "interface" and (
                reset or not session.flavor.is_logical(words[1])):
            config.clear_section(node)
        elif node is not None:
            config.remove(tuple(words))
    elif command.action == "enable_secret":
        config.remove(("enable",))
        session.device.enable_secret = None
    else:
        parent = session.section
        config.remove(words, parent)
        stored = session.flavor.stored_no.get(session.mode, ())
        if not reset and len(words) == 1 and words[0] in stored:
            config.set_line(f"no {words[0]}", 2, parent)
    return Reply()
