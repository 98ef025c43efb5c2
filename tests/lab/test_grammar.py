"""The IOS/EOS command grammar reads a line's first word from an index of first keywords;
every first word a NOC engineer types must still read as it does on the device."""

from __future__ import annotations

import pytest

from nocdeck.lab.cisco import CiscoSession
from nocdeck.lab.flavor import load_flavor
from nocdeck.lab.generate import new_cisco_device
from nocdeck.lab.grammar import Match, Problem


def _enabled(platform: str) -> CiscoSession:
    session = CiscoSession(new_cisco_device(platform, "r1", seed=1, index=0), 1, "admin")
    session.handle_line("enable")
    session.handle_line("nocdeck-enable")
    return session


@pytest.mark.parametrize(("line", "output"), [
    ("shwo version", "     ^\n% Invalid input detected at '^' marker."),
    ("xyz", "   ^\n% Invalid input detected at '^' marker."),
    ("c", '% Ambiguous command:  "c"'),
    ("show", "% Incomplete command."),
])
def test_ios_first_words_that_do_not_parse(line: str, output: str) -> None:
    assert _enabled("cisco_ios").handle_line(line).output == output


@pytest.mark.parametrize(("line", "output"), [
    ("shwo version", "% Invalid input (at token 0: 'shwo')"),
    ("co", "% Ambiguous command"),
    ("show", "% Incomplete command"),
])
def test_eos_first_words_that_do_not_parse(line: str, output: str) -> None:
    assert _enabled("arista_eos").handle_line(line).output == output


@pytest.mark.parametrize("platform", ["cisco_ios", "arista_eos"])
def test_unique_prefixes_and_any_case_of_the_first_word(platform: str) -> None:
    grammar = load_flavor(platform).grammars["enable"]
    for line in ("sh run", "SHOW running-config", "Sh Run", "  show   running-config  "):
        result = grammar.parse(line.strip())
        assert isinstance(result, Match), line
        assert result.words == ("show", "running-config")
    assert grammar.parse("zz") == Problem("invalid", 0, "zz", 0)
    config = load_flavor(platform).grammars["config-if"]
    partial = config.parse("desc", partial=True)
    assert isinstance(partial, Match) and partial.words == ("description",)
