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


# -- configs share statements (copy-on-write): an edit never shows through another config ----

def test_an_edit_of_a_copy_leaves_the_original_as_it_was() -> None:
    running = new_junos_device("r3", seed=2, index=2).running
    text, set_lines = running.render(), running.display_set()
    candidate = running.copy()
    _set(candidate, 'interfaces ge-0/0/1 description "changed here"')
    _set(candidate, "interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members v999")
    _set(candidate, "system ntp server 192.0.2.99")
    candidate.delete(_path("snmp"))
    candidate.delete(_path("interfaces ge-0/0/2"))
    assert (running.render(), running.display_set()) == (text, set_lines)
    assert 'description "changed here";' in candidate.render()
    assert "snmp {" not in candidate.render() and "snmp {" in running.render()


def test_an_edit_of_the_original_leaves_its_copies_as_they_were() -> None:
    running = new_junos_device("r3", seed=2, index=2).running
    first = running.copy()
    second = first.copy()
    text = first.render()
    _set(running, "system host-name edited")
    running.delete(_path("interfaces ge-0/0/0"))
    _set(second, "snmp location elsewhere")
    assert first.render() == text
    assert "host-name edited;" not in second.render() and "elsewhere" in second.render()
    assert "ge-0/0/0 {" in second.render() and "ge-0/0/0 {" not in running.render()


def test_a_leaf_list_member_added_or_removed_in_a_copy_stays_there() -> None:
    config = JunosConfig()
    _set(config, "routing-options static route 10.0.0.0/8 next-hop [ 192.0.2.1 192.0.2.2 ]")
    copy = config.copy()
    _set(copy, "routing-options static route 10.0.0.0/8 next-hop 192.0.2.3")
    assert "next-hop [ 192.0.2.1 192.0.2.2 ];" in config.render()
    copy.delete(_path("routing-options static route 10.0.0.0/8 next-hop 192.0.2.1"))
    _set(config, "routing-options static route 10.0.0.0/8 next-hop 192.0.2.4")
    assert "next-hop [ 192.0.2.1 192.0.2.2 192.0.2.4 ];" in config.render()
    assert "next-hop [ 192.0.2.2 192.0.2.3 ];" in copy.render()


def test_a_refused_delete_changes_nothing() -> None:
    running = new_junos_device("r3", seed=2, index=2).running
    copy = running.copy()
    root = copy.root
    assert not copy.delete(_path("interfaces ge-0/0/1 unit 0 family ethernet-switching vlan "
                                 "members no-such-vlan"))
    assert not copy.delete(_path("system ntp server 192.0.2.250"))
    assert copy.root is root and copy == running


def test_deleting_everything_in_a_copy_keeps_the_original() -> None:
    running = new_junos_device("r3", seed=2, index=2).running
    text = running.render()
    copy = running.copy()
    assert copy.delete(resolve([], need_value=False))
    assert copy.render() == "" and running.render() == text


def test_the_printed_config_follows_every_edit_however_often_it_was_printed() -> None:
    config = new_junos_device("r3", seed=2, index=2).running.copy()
    interfaces = _path("interfaces").steps
    edits = ['set interfaces ge-0/0/1 description "after print"',
             "set interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members v42",
             "delete interfaces ge-0/0/1 unit 0 family ethernet-switching vlan members v42",
             "delete interfaces ge-0/0/3", "set system ntp server 192.0.2.7",
             "delete system ntp server 192.0.2.7", "set snmp location moved"]
    for edit in edits:
        config.render(), config.render(interfaces)  # printed at two depths, then edited
        verb, _, rest = edit.partition(" ")
        if verb == "set":
            _set(config, rest)
        else:
            config.delete(_path(rest))
        fresh = JunosConfig.from_set_lines(config.display_set())
        assert config.render() == fresh.render()
        assert config.render(interfaces) == fresh.render(interfaces)


@pytest.mark.parametrize(("line", "words"), [
    ("set  interfaces\tge-0/0/1 ", [("set", 0), ("interfaces", 5), ("ge-0/0/1", 16)]),
    ('set x"a b"y "q\\"t" "open', [("set", 0), ("xa by", 4), ('q"t', 12), ("open", 19)]),
    ("", []),
])
def test_words_and_columns_with_and_without_quotes(line: str,
                                                   words: list[tuple[str, int]]) -> None:
    assert tokenize(line) == words
