"""The Junos config tree: set/delete paths walk the schema, and printing round-trips."""

from __future__ import annotations

import pytest

from nocdeck.lab.junos_config import JunosConfig, Path, PathError, resolve, tokenize
from nocdeck.lab.junos_device import new_junos_device


def _set(config: JunosConfig, line: str) -> None:
    config.set(resolve([w for w, _ in tokenize(line)]))


def _path(line: str) -> Path:
    return resolve([w for w, _ in tokenize(line)], need_value=False)


def test_a_saved_config_reloads_from_its_set_lines() -> None:
    running = new_junos_device("r6", seed=3, index=5).running
    again = JunosConfig.from_set_lines(running.display_set())
    assert again == running
    assert again.render() == running.render()


def test_hierarchy_braces_and_leaf_lists() -> None:
    config = JunosConfig()
    _set(config, "interfaces ge-0/0/10 unit 0 family ethernet-switching vlan members v10")
    _set(config, "interfaces ge-0/0/10 unit 0 family ethernet-switching vlan members [ v20 v30 ]")
    _set(config, "interfaces ge-0/0/2 description \"to printer\"")
    _set(config, "system services ssh")
    text = config.render()
    assert text.index("ge-0/0/2 {") < text.index("ge-0/0/10 {")  # Junos's natural order
    assert "members [ v10 v20 v30 ];" in text
    assert 'description "to printer";' in text
    assert "services {\n        ssh;\n    }" in text


def test_delete_of_a_member_and_pruning_of_empty_blocks() -> None:
    config = JunosConfig()
    _set(config, "interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members v10")
    _set(config, "interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members v20")
    config.delete(_path("interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members v10"))
    assert "members v20;" in config.render()
    config.delete(_path("interfaces ge-0/0/1 unit 0 family ethernet-switching vlan"))
    assert "vlan" not in config.render()
    assert "family ethernet-switching;" in config.render()


@pytest.mark.parametrize(("line", "token", "message"), [
    ("interfaces ge-0/0/1 frob", 2, "syntax error."),
    ("vlans v1 vlan-id", 3, "missing argument."),
    ("vlans v1 vlan-id 0", 3, "Value 0 is not within range (1..4094) at '0'"),
    ("interfaces foo0 description x", 1, "invalid interface type in 'foo0' at 'foo0'"),
    ("system ntp server not-an-ip", 3, "invalid ip address or hostname: not-an-ip at 'not-an-ip'"),
    ("system host-name a b", 3, "syntax error."),
])
def test_bad_paths_say_where_and_why(line: str, token: int, message: str) -> None:
    with pytest.raises(PathError) as caught:
        resolve(line.split())
    assert (caught.value.token, caught.value.message) == (token, message)


def test_quoted_values_keep_their_spaces() -> None:
    assert tokenize('set system login message "Authorized only; keep out"') == [
        ("set", 0), ("system", 4), ("login", 11), ("message", 17),
        ("Authorized only; keep out", 25)]


def test_show_configuration_text_reads_back() -> None:
    running = new_junos_device("r9", seed=4, index=8).running
    assert JunosConfig.parse("## Last commit: 2024-01-01\n" + running.render()) == running


def test_unreadable_saved_text_names_the_line() -> None:
    with pytest.raises(PathError) as caught:
        JunosConfig.parse("system {\n    host-name r1;\n    frobnicate yes;\n}\n")
    assert caught.value.message == "line 3: syntax error."
