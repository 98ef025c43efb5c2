"""A NOC engineer at a simulated Junos switch's CLI, line by line (no SSH in between)."""

from __future__ import annotations

import asyncio
import time

import pytest

from nocdeck.lab.junos import JunosDevice, JunosSession, new_junos_device
from nocdeck.lab.platform import Reply


class Cli:
    """Types lines into one session and keeps what a terminal would show."""

    def __init__(self, device: JunosDevice, session_id: int = 1) -> None:
        self.session = JunosSession(device, session_id, "admin")
        self.device = device

    def type(self, line: str) -> Reply:
        return self.session.handle_line(line)

    def out(self, line: str) -> str:
        return self.type(line).output

    def configure(self) -> None:
        assert "Entering configuration mode" in self.out("configure")


@pytest.fixture
def r3() -> JunosDevice:
    return new_junos_device("r3", seed=7, index=2)


def test_prompts_are_junos_prompts(r3: JunosDevice) -> None:
    cli = Cli(r3)
    assert cli.session.prompt() == "admin@r3> "
    assert cli.session.mode == "operational"
    cli.configure()
    assert cli.session.prompt() == "\n[edit]\nadmin@r3# "
    assert cli.session.mode == "configuration"
    cli.type("edit interfaces ge-0/0/1 unit 0")
    assert cli.session.prompt() == "\n[edit interfaces ge-0/0/1 unit 0]\nadmin@r3# "
    cli.type("up")
    assert "[edit interfaces ge-0/0/1]" in cli.session.prompt()
    cli.type("top")
    assert cli.session.prompt().startswith("\n[edit]\n")


def test_netmiko_session_preparation_lines(r3: JunosDevice) -> None:
    cli = Cli(r3)
    assert cli.out("set cli screen-width 511") == "Screen width set to 511\n\n"
    assert cli.out("set cli complete-on-space off") == "Disabling complete-on-space\n\n"
    assert cli.out("set cli screen-length 0") == "Screen length set to 0\n\n"
    assert (cli.session.screen_width, cli.session.screen_length) == (511, 0)


def test_show_version_names_model_and_release(r3: JunosDevice) -> None:
    out = Cli(r3).out("show version")
    assert "Hostname: r3\n" in out
    assert f"Model: {r3.facts['model']}\n" in out
    assert f"Junos: {r3.facts['version']}\n" in out
    assert "JUNOS OS Kernel" in out
    assert Cli(r3).out("sh ver") == out


def test_set_shows_in_candidate_not_in_committed_until_commit(r3: JunosDevice) -> None:
    cli = Cli(r3)
    cli.configure()
    assert cli.out('set interfaces ge-0/0/5 description "to AP 7"') == ""
    assert 'description "to AP 7";' in cli.out("show interfaces ge-0/0/5")
    other = Cli(r3, 2)
    assert "to AP 7" not in other.out("show configuration interfaces ge-0/0/5")
    assert cli.out("commit") == "commit complete"
    assert 'description "to AP 7";' in other.out("show configuration interfaces ge-0/0/5")
    assert r3.running == r3.startup


def test_compare_prints_junos_diff(r3: JunosDevice) -> None:
    cli = Cli(r3)
    prefix = "set interfaces ge-0/0/1 description "
    old = next(ln for ln in r3.running.display_set() if ln.startswith(prefix))[len(prefix):]
    cli.configure()
    cli.type("set interfaces ge-0/0/1 description uplink-new")
    cli.type("set vlans lab vlan-id 333")
    diff = cli.out("show | compare")
    assert diff.splitlines() == [
        "[edit interfaces ge-0/0/1]",
        f"-   description {old};",
        "+   description uplink-new;",
        "[edit vlans]",
        "+   lab {",
        "+       vlan-id 333;",
        "+   }",
    ]


def test_delete_removes_and_display_set_flattens(r3: JunosDevice) -> None:
    cli = Cli(r3)
    cli.configure()
    assert cli.out("delete interfaces ge-0/0/2") == ""
    assert cli.out("delete interfaces ge-0/0/2") == "warning: statement not found"
    flat = cli.out("show | display set")
    assert "set interfaces ge-0/0/3 unit 0 family ethernet-switching interface-mode" in flat
    assert "set interfaces ge-0/0/2 " not in flat
    assert all(line.startswith("set ") for line in flat.splitlines())


def test_unknown_command_and_bad_set_answer_with_caret(r3: JunosDevice) -> None:
    cli = Cli(r3)
    assert cli.out("frobnicate now") == " " * 10 + "^\nunknown command."
    assert cli.out("show bogus") == " " * 15 + "^\nsyntax error."
    cli.configure()
    before = r3.candidate
    out = cli.out("set interfaces ge-0/0/1 unit 0 famly inet")
    assert out == " " * (len("admin@r3# ") + 31) + "^\nsyntax error."
    assert cli.out("set protocols ospf area 0").endswith("^\nsyntax error.")
    assert cli.out("set vlans v1 vlan-id 5000").endswith(
        "^\nValue 5000 is not within range (1..4094) at '5000'")
    assert r3.candidate == before


def test_commit_check_and_rollback(r3: JunosDevice) -> None:
    cli = Cli(r3)
    cli.configure()
    original = r3.running.copy()
    cli.type("set system host-name core-r3")
    assert cli.out("commit check") == "configuration check succeeds"
    assert r3.running == original
    cli.out("commit")
    assert cli.session.prompt().endswith("admin@core-r3# ")
    assert cli.out("rollback 1") == "load complete"
    assert "host-name r3;" in cli.out("show system")
    cli.out("commit")
    assert r3.running == original
    assert cli.out("rollback 0") == "load complete"
    assert not r3.has_changes()
    assert cli.out("rollback 40") == "error: rollback 40 does not exist"
    assert "0   " in cli.out("run show system commit")


def test_rollback_zero_discards_the_candidate(r3: JunosDevice) -> None:
    cli = Cli(r3)
    cli.configure()
    cli.type("set snmp location lab")
    assert r3.has_changes()
    cli.type("rollback 0")
    assert cli.out("show | compare") == ""


def test_exit_with_uncommitted_changes_asks(r3: JunosDevice) -> None:
    cli = Cli(r3)
    cli.configure()
    cli.type("set snmp contact ops@example.net")
    reply = cli.type("exit configuration-mode")
    assert reply.output == "The configuration has been changed but not committed"
    assert reply.prompt == "Exit with uncommitted changes? [yes,no] (yes) "
    assert cli.out("no") == ""
    assert cli.session.mode == "configuration"
    cli.type("exit")
    assert cli.out("yes") == "Exiting configuration mode\n\n"
    assert cli.session.prompt() == "admin@r3> "
    # Junos's candidate is shared: the next `configure` says so and still holds the change.
    assert "has been changed but not committed" in Cli(r3, 3).out("configure")


def test_exit_in_operational_mode_closes_the_channel(r3: JunosDevice) -> None:
    reply = Cli(r3).type("exit")
    assert reply.close and reply.exit_status == 0


def test_commit_confirmed_rolls_back_unless_confirmed(r3: JunosDevice) -> None:
    r3.time_scale = 600.0  # one lab minute is 0.1 s
    cli = Cli(r3)
    cli.configure()
    cli.type("set snmp location rolled-back")
    out = cli.out("commit confirmed 1")
    assert "commit confirmed will be automatically rolled back in 1 minutes" in out
    assert "rolled-back" in Cli(r3, 2).out("show configuration snmp")
    assert "# commit confirmed will be rolled back in 1 minutes" in cli.session.prompt()
    deadline = time.monotonic() + 5
    while "rolled-back" in r3.running.render() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "rolled-back" not in Cli(r3, 3).out("show configuration snmp")
    assert "commit confirmed rollback" in Cli(r3, 4).out("show system commit")

    cli.type("set snmp location confirmed")
    cli.type("commit confirmed 1")
    assert cli.out("commit") == "commit complete"
    assert not r3.expire_confirmed_commit(now=time.monotonic() + 3600)
    assert "confirmed" in Cli(r3, 5).out("show configuration snmp location")


def test_generated_devices_are_reproducible_and_real_looking() -> None:
    a = new_junos_device("r3", seed=1, index=2)
    assert a.running == new_junos_device("r3", seed=1, index=2).running
    again = new_junos_device("r3", seed=1, index=2).facts
    assert {k: v for k, v in a.facts.items() if k != "booted"} == {
        k: v for k, v in again.items() if k != "booted"}
    assert a.facts["model"].startswith("ex") and a.facts["serial"][:2].isalpha()
    assert a.running != new_junos_device("r3", seed=2, index=2).running
    text = a.running.render()
    ports = [ln for ln in a.running.display_set() if ln.endswith("interface-mode access")
             or ln.endswith("interface-mode trunk")]
    assert 24 <= len(ports) <= 48
    for needle in ("lo0 {", "irb {", "vlan-id ", "host-name r3;", "ntp {", "syslog {",
                   'encrypted-password "$6$', "community ", "message ", "root-authentication"):
        assert needle in text, needle
    assert a.platform == "juniper_junos"
    assert a.startup == a.running and a.startup is not a.running


def test_login_banner_shows_the_login_message_and_release(r3: JunosDevice) -> None:
    banner = Cli(r3).session.login_banner()
    assert banner.startswith("Authorized access only.")
    assert f"--- JUNOS {r3.facts['version']} Kernel" in banner
    assert not set(banner) & set("%$#>")  # netmiko would take those for a shell prompt


def test_operational_show_commands_and_pipes(r3: JunosDevice) -> None:
    cli = Cli(r3)
    flat = cli.out("show configuration | display set")
    assert flat.splitlines()[0] == f"set version {r3.facts['version']}"
    assert "set system host-name r3" in flat
    assert cli.out("show configuration | display set | match host-name") == (
        "set system host-name r3\n\n")
    terse = cli.out("show interfaces terse")
    assert terse.startswith("Interface               Admin Link Proto    Local")
    assert "lo0.0                   up    up   inet     10.255." in terse
    rows = len(terse.strip("\n").splitlines())
    assert cli.out("show interfaces terse | count") == f"Count: {rows} lines\n\n"
    assert cli.out("show configuration | frob").endswith("^\nsyntax error.")
    assert "## Last commit: " in cli.out("show configuration")


def test_run_and_commit_and_quit_from_configuration_mode(r3: JunosDevice) -> None:
    cli = Cli(r3)
    cli.configure()
    assert "Model: " in cli.out("run show version")
    cli.type('set system login message "Lab switch\\nNo production traffic"')
    out = cli.out('commit comment "banner change" and-quit')
    assert out == "commit complete\nExiting configuration mode\n\n"
    assert cli.session.mode == "operational"
    assert "Lab switch\nNo production traffic" in Cli(r3, 2).session.login_banner()
    assert "    banner change" in cli.out("show system commit")


async def test_commit_confirmed_rolls_back_on_the_servers_event_loop(r3: JunosDevice) -> None:
    r3.time_scale = 600.0
    cli = Cli(r3)
    cli.configure()
    cli.type("set vlans temp vlan-id 777")
    cli.type("commit confirmed 1")
    assert r3.confirm_deadline is not None
    await asyncio.sleep(0.3)  # the rollback comes from loop.call_later, not from a CLI line
    assert r3.confirm_deadline is None
    assert "temp" not in r3.running.render()


def test_configure_exclusive_locks_others_out_until_it_ends(r3: JunosDevice) -> None:
    holder, other = Cli(r3, 1), Cli(r3, 2)
    assert "Entering configuration mode" in holder.out("configure exclusive")
    holder.type("set snmp location locked-edit")
    other.configure()
    refused = other.out("set snmp location sneaky")
    assert refused.startswith("error: configuration database locked by:\n  admin terminal pts/1")
    assert Cli(r3, 3).out("configure exclusive").startswith("error: configuration database locked")
    holder.session.on_disconnect()  # the SSH session dropped
    assert not r3.has_changes()  # its uncommitted changes went with it
    assert other.out("set snmp location now-allowed") == ""


def test_a_device_restored_by_the_state_dir_loader_still_commits() -> None:
    import pickle

    from nocdeck.lab.platform import LabDevice

    original = new_junos_device("r3", seed=5, index=2)
    running, startup = pickle.loads(pickle.dumps((original.running, original.startup)))
    restored = LabDevice(name="r3", platform="juniper_junos", running=running,
                         startup=startup, facts=dict(original.facts))
    JunosSession(restored, 1, "admin")  # the lab opens a session on what it restored
    assert isinstance(restored, JunosDevice)
    assert restored.running == original.running
    cli = Cli(restored, 2)
    cli.configure()
    cli.type("set snmp location restored-rack")
    assert cli.out("commit") == "commit complete"
    assert "restored-rack" in Cli(restored, 3).out("show configuration snmp")
    assert "Model: " in Cli(restored, 4).out("show version")


def test_a_faulted_line_is_refused_with_a_caret(r3: JunosDevice) -> None:
    cli = Cli(r3)
    assert cli.session.rejected_reply("set system ntp server 10.9.9.9").output == (
        " " * len("admin@r3> ") + "^\nsyntax error.")


def test_candidate_edits_never_reach_the_committed_config_or_history(r3: JunosDevice) -> None:
    committed, history = r3.running.render(), [c.config.render() for c in r3.commits]
    cli = Cli(r3)
    cli.configure()
    cli.type('set interfaces ge-0/0/1 description "not yet"')
    cli.type("delete interfaces ge-0/0/2")
    cli.type("set system host-name r3-new")
    cli.type("edit interfaces ge-0/0/3")
    cli.type("set disable")
    assert r3.running.render() == committed and r3.startup.render() == committed
    assert [c.config.render() for c in r3.commits] == history
    assert "not yet" not in Cli(r3, 2).out("show configuration interfaces ge-0/0/1")
    cli.out("commit")
    assert "not yet" in r3.running.render()
    assert [c.config.render() for c in r3.commits[1:]] == history


def test_rollback_restores_a_config_and_later_edits_leave_the_history_alone(
        r3: JunosDevice) -> None:
    original = r3.running.render()
    cli = Cli(r3)
    cli.configure()
    cli.type("set snmp location first")
    cli.out("commit")
    first = r3.running.render()
    cli.type("set snmp location second")
    cli.type("delete interfaces ge-0/0/4")
    cli.out("commit")
    assert cli.out("rollback 2") == "load complete"
    cli.type("set system domain-name edited.example")  # an edit of the loaded rollback
    assert r3.commits[2].config.render() == original
    cli.out("rollback 1")
    assert r3.candidate is not None and r3.candidate.render() == first
    cli.out("commit")
    assert r3.running.render() == first
    assert [c.config.render() for c in r3.commits[1:4]] == [
        r3.commits[1].config.render(), first, original]


def test_two_sessions_share_one_candidate(r3: JunosDevice) -> None:
    alice, bob = Cli(r3, 1), Cli(r3, 2)
    alice.configure()
    bob.configure()
    alice.type("set snmp location shared")
    assert "+   location shared;" in bob.out("show | compare")
    bob.type("set snmp contact bob@example.net")
    assert "contact bob@example.net;" in alice.out("show snmp")
    assert "shared" not in r3.running.render()
    assert bob.out("commit") == "commit complete"
    assert alice.out("show | compare") == ""
    assert "location shared;" in r3.running.render()
    assert "bob@example.net" in r3.running.render()
    alice.type("set snmp location alice-only")
    assert "location shared;" in r3.running.render()
    assert "alice-only" in bob.out("show snmp")


def test_a_confirmed_commit_rolls_back_to_the_exact_previous_config(r3: JunosDevice) -> None:
    before = r3.running.render()
    cli = Cli(r3)
    cli.configure()
    cli.type("set system time-zone UTC")
    cli.type("delete protocols lldp")
    cli.out("commit confirmed 5")
    assert r3.expire_confirmed_commit(now=time.monotonic() + 3600)
    assert r3.running.render() == before
    cli.type("set system time-zone America/New_York")  # edits after the rollback
    assert r3.commits[0].config.render() == before and r3.commits[2].config.render() == before
