"""The recorder's masking rules, each proved with a canary: split reads, password prompts,
secret config lines (same length `*`), and a marker per redaction."""

from __future__ import annotations

import datetime as dt

import pytest

from nocdeck.recordings.recorder import SessionRecorder
from nocdeck.redaction import (
    MARK_OUTPUT,
    MARK_PASSWORD,
    MARK_TYPED,
    Redactor,
    TerminalRedactor,
    is_password_prompt,
    mask_config_line,
)
from nocdeck.store import Store
from tests.fixtures.store import sql_rows

INJECTED = "Inj3ctedPassw0rd"


def masking() -> TerminalRedactor:
    redactor = Redactor()
    redactor.add_secret(INJECTED)
    return TerminalRedactor(redactor, platform="cisco_ios")


def feed(terminal: TerminalRedactor, chunks: list[str]) -> tuple[str, list[str]]:
    text, markers = "", []
    for chunk in chunks:
        masked = terminal.output(chunk)
        text += masked.text
        markers += masked.markers
    tail = terminal.release_output()
    return text + tail.text, markers + tail.markers


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 64])
def test_an_injected_secret_split_across_reads_never_reaches_the_record(size: int) -> None:
    stream = f"r1#show users\r\nline vty 0 user admin pw {INJECTED} here\r\nr1#"
    text, markers = feed(masking(), [stream[i:i + size] for i in range(0, len(stream), size)])
    assert INJECTED not in text
    assert text == stream.replace(INJECTED, "*" * len(INJECTED))
    assert markers == [MARK_OUTPUT]


def test_a_secret_config_line_split_across_reads_is_masked_with_the_same_length() -> None:
    line = "enable secret 9 $9$CanarySplitHash0001\r\n"
    text, markers = feed(masking(), ["ena", "ble secret 9 $9$Cana", "rySplitHash0001\r", "\n"])
    assert text == "enable secret 9 " + "*" * len("$9$CanarySplitHash0001") + "\r\n"
    assert len(text) == len(line) and markers == [MARK_OUTPUT]


def test_a_prompt_released_mid_line_keeps_back_the_start_of_a_known_secret() -> None:
    terminal = masking()
    first = terminal.output("note Inj3cted")
    released = terminal.release_output()
    assert released.text == "note " and "Inj3" not in first.text + released.text
    rest = terminal.output("Passw0rd ok\n")
    assert rest.text == "*" * len(INJECTED) + " ok\n"


def test_input_after_a_password_prompt_is_dropped_until_the_newline() -> None:
    terminal = masking()
    terminal.output("r1>enable\r\n")
    terminal.output("Password: ")
    typed = terminal.input("S3cretTyped")
    typed2 = terminal.input("Canary\r")
    assert "S3cret" not in typed.text + typed2.text and typed2.markers == [MARK_PASSWORD]
    assert typed2.enters == 0, "a password is not a command"
    terminal.output("\r\nr1#")
    after = terminal.input("show clock\r")
    assert after.text == "show clock\r" and after.enters == 1 and after.markers == []


def test_typed_config_lines_with_secrets_are_masked_in_the_input_stream() -> None:
    terminal = masking()
    terminal.output("r1(config)#")
    typed = terminal.input("snmp-server community TypedCanary42 RO\r")
    assert typed.text == f"snmp-server community {'*' * 13} RO\r"
    assert typed.markers == [MARK_TYPED]


@pytest.mark.parametrize("prompt", ["Password: ", "Enable secret: ", "password:",
                                    "Enter passphrase for key '/home/a/.ssh/id_ed25519': ",
                                    "[sudo] password for alice: ", "New password:"])
def test_password_like_prompts_are_recognised(prompt: str) -> None:
    assert is_password_prompt(prompt, "cisco_ios")


@pytest.mark.parametrize("line", ["r1#", "secret-lab-r1>", "r1(config)#show password-policy",
                                  "Building configuration..."])
def test_ordinary_lines_are_not_password_prompts(line: str) -> None:
    assert not is_password_prompt(line, "cisco_ios")


@pytest.mark.parametrize("line", [
    "enable secret 9 $9$abc", "username a privilege 15 secret 5 $1$x", "snmp-server community c RO",
    "snmp-server host 10.0.0.1 version 2c commstr", "tacacs-server key 7 0822455D0A16",
    " key 7 0822455D0A16", "crypto isakmp key sharedkey address 0.0.0.0",
    " pre-shared-key ascii-text \"abc\"", " password 7 0822455D0A16",
    "set system root-authentication encrypted-password \"$6$abc\""])
def test_the_fast_path_still_masks_every_secret_line(line: str) -> None:
    masked, count = mask_config_line(line)
    assert count >= 1 and len(masked) == len(line) and "*" in masked


async def test_a_recorder_writes_batches_and_the_block_mask_catches_a_late_secret(
        store: Store, store_url: str) -> None:
    redactor = Redactor()
    recorder = SessionRecorder(store, device="r9", user="bob", redactor=redactor)
    await recorder.start(80, 24)
    recorder.output("r9#show run\r\nsnmp-server community StoreCanary77 RO\r\nr9#")
    recorder.input("exit\r")
    await recorder.finish(exit_status=0, complete=True, status="complete")
    rows = sql_rows(store_url, "SELECT data FROM session_events")
    assert rows and not any("StoreCanary77" in row[0] for row in rows)
    [summary] = await store.list_sessions("r9")
    assert summary.complete and summary.redaction_count == 1
    assert summary.ended_at is not None
    assert summary.ended_at - summary.started_at < dt.timedelta(seconds=10)
