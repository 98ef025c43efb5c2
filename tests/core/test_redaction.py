"""Given secret-bearing text from any platform, nothing secret survives masking."""

from __future__ import annotations

import logging

import pytest

from nocdeck.redaction import (
    RedactingFilter,
    Redactor,
    StreamRedactor,
    install_log_redaction,
    is_secret_line,
    mask_config_line,
    mask_url_password,
)

CANARY = "CanaryS3cret"


@pytest.mark.parametrize(
    "line",
    [
        f"enable secret 5 {CANARY}",
        f"enable password {CANARY}",
        f"username admin privilege 15 secret 0 {CANARY}",
        f"username ops password 7 {CANARY}",
        f"snmp-server community {CANARY} RO",
        f"snmp-server host 192.0.2.1 version 2c {CANARY}",
        f"tacacs-server key 7 {CANARY}",
        f"radius-server host 192.0.2.9 key {CANARY}",
        f" key 7 {CANARY}",
        f" key-string {CANARY}",
        f"crypto isakmp key {CANARY} address 192.0.2.2",
        f"ntp authentication-key 1 md5 {CANARY}",
        f" neighbor 192.0.2.3 password 7 {CANARY}",
        f'set system root-authentication encrypted-password "{CANARY}"',
        f'            encrypted-password "{CANARY}"; ## SECRET-DATA',
        f"set snmp community {CANARY} authorization read-only",
        f"    community {CANARY} {{",
        f'set security ike policy p pre-shared-key ascii-text "{CANARY}"',
        f'set system radius-server 192.0.2.4 secret "{CANARY}"',
    ],
)
def test_secret_bearing_lines_are_masked_with_same_length(line: str) -> None:
    masked, count = mask_config_line(line)
    assert CANARY not in masked
    assert count >= 1
    assert len(masked) == len(line)
    assert is_secret_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "interface GigabitEthernet1/0/1",
        " description uplink to core key switch",
        " switchport access vlan 10",
        "ntp server 192.0.2.10",
        "set interfaces ge-0/0/1 description \"secret lab\"",
        "logging host 192.0.2.20",
    ],
)
def test_ordinary_lines_are_untouched(line: str) -> None:
    assert mask_config_line(line) == (line, 0)


def test_known_secret_split_across_two_reads_never_surfaces() -> None:
    redactor = Redactor()
    redactor.add_secret(CANARY)
    lines: list[str] = []
    stream = StreamRedactor(lines.append, redactor)
    stream.feed("Password: Cana")
    stream.feed("ryS3cret\r\nr1#show run\r\nr1#")
    stream.flush()
    assert lines == ["Password: " + "*" * len(CANARY), "r1#show run", "r1#"]
    assert redactor.redactions == 1


def test_log_records_are_masked_even_with_arguments() -> None:
    import io

    redactor = Redactor()
    redactor.add_secret(CANARY)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(redactor))
    logger = logging.getLogger("nocdeck.test.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.warning("login with %s failed", CANARY)
        logger.warning("snmp-server community %s RO", "another1")
    finally:
        logger.removeHandler(handler)
    assert CANARY not in stream.getvalue()
    assert "another1" not in stream.getvalue()
    assert "login with" in stream.getvalue()


def test_install_log_redaction_masks_registered_secrets_on_root_handlers() -> None:
    from nocdeck.redaction import GLOBAL_REDACTOR

    GLOBAL_REDACTOR.add_secret("GlobalCanary99")
    install_log_redaction()
    root = logging.getLogger()
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "pw %s", ("GlobalCanary99",),
                               None)
    for handler in root.handlers:
        for flt in handler.filters:
            if isinstance(flt, RedactingFilter):
                flt.filter(record)
    assert "GlobalCanary99" not in record.getMessage()


def test_store_url_password_is_masked() -> None:
    url = "postgresql+asyncpg://noc:Sup3r@db.example:5432/nocdeck"
    assert mask_url_password(url) == "postgresql+asyncpg://noc:***@db.example:5432/nocdeck"
    assert mask_url_password("sqlite+aiosqlite:////tmp/x.db") == "sqlite+aiosqlite:////tmp/x.db"


@pytest.mark.parametrize(
    "line",
    [
        f"+enable secret 5 {CANARY}",
        f"-snmp-server community {CANARY} RO",
        f"r1(config)#enable secret {CANARY}",
        f"admin@r3# set snmp community {CANARY} authorization read-only",
        f"r1: rejected 'tacacs-server key 7 {CANARY}': % Invalid input",
        f"+set system root-authentication encrypted-password \"{CANARY}\"",
    ],
)
def test_secret_lines_behind_a_diff_marker_prompt_or_quote_are_masked(line: str) -> None:
    masked, count = mask_config_line(line)
    assert CANARY not in masked
    assert count >= 1
    assert len(masked) == len(line)


@pytest.mark.parametrize("size", [1, 7, 64, 4096])
def test_a_stream_masked_block_by_block_equals_line_by_line(size: int) -> None:
    """The provider's stream masks its complete lines together (fast): the lines it emits
    are exactly the ones masking each line on its own gives, in ASCII and beyond."""
    redactor = Redactor()
    redactor.add_secret(CANARY)
    text = (f"r1#show run\r\nhostname r1\r\nenable secret 5 {CANARY}a\r\n"
            f"snmp-server community {CANARY}b RO\r\ndescription to {CANARY}\r\n"
            f"İstanbul\r\n username ops secret 0 {CANARY}c\r\n \u017fecret x\r\nr1#")
    emitted: list[str] = []
    stream = StreamRedactor(emitted.append, redactor)
    for start in range(0, len(text), size):
        stream.feed(text[start:start + size])
    stream.flush()
    expected = [redactor.mask_line(line) for line in text.replace("\r\n", "\n").split("\n")]
    assert emitted == expected
    assert CANARY not in "".join(emitted)
