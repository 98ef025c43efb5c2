"""The secret-word scan that picks the lines worth masking: the Hyperscan pass finds exactly
the lines the `str.find` passes find, and a recorded terminal masks a secret line whatever
read boundary cuts it, with or without Hyperscan."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nocdeck import redaction
from nocdeck.redaction import (
    MARK_OUTPUT,
    Redactor,
    TerminalRedactor,
    _secret_word_lines_find,
    mask_config_line,
)

pytestmark = pytest.mark.skipif(redaction._WORD_SCANNER is None,
                                reason="Hyperscan is not usable here: the find passes are the "
                                       "only scan, tested everywhere else")

PIECES = ["secret", "SeCrEt", "password", "PASSWORD", "community", "key", "KEY", "psk",
          "snmp-server host", "SNMP-Server Host", "snmp-server", "pass", "comm", "ke", "ps",
          "\n", "\n", "\r\n", " ", " 5 ", "enable ", "x", "#", "\"", "\t"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_the_hyperscan_pass_finds_the_same_lines_as_the_find_passes(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert redaction._secret_word_lines(text) == _secret_word_lines_find(text)


def test_a_word_at_the_very_start_and_end_and_lines_without_a_newline() -> None:
    for text in ["key", "secret\n", "\npsk", "a\nb\nc", "", "\n\n", "x password"]:
        assert redaction._secret_word_lines(text) == _secret_word_lines_find(text)


def block_of_config(canary: str) -> str:
    filler = "".join(f"interface GigabitEthernet0/{i}\r\n description uplink {i}\r\n"
                     for i in range(400))
    return (f"r1#show running-config\r\n{filler}enable secret 9 {canary}A\r\n{filler}"
            f"snmp-server community {canary}B RO\r\n username ops secret 5 {canary}C\r\n"
            f"{filler}r1#")


def record(chunks: list[str]) -> tuple[str, list[str]]:
    terminal = TerminalRedactor(Redactor(), platform="cisco_ios")
    text, markers = "", []
    for chunk in chunks:
        masked = terminal.output(chunk)
        text += masked.text
        markers += masked.markers
    tail = terminal.release_output()
    return text + tail.text, markers + tail.markers


@pytest.mark.parametrize("scanner", ["hyperscan", "find"])
def test_a_secret_line_cut_by_any_read_boundary_is_masked_in_a_large_block(
        monkeypatch: pytest.MonkeyPatch, scanner: str) -> None:
    """Blocks of ~40 KB go through the fast path; the cut falls at every position of the
    secret lines (in the keyword, in the secret, on the CR LF)."""
    if scanner == "find":
        monkeypatch.setattr(redaction, "_WORD_SCANNER", None)
    canary = "SplitBlockCanary"
    text = block_of_config(canary)
    expected = "".join(mask_config_line(line)[0] for line in text.splitlines(keepends=True))
    for word in ("enable secret", "snmp-server community", " username ops"):
        at = text.index(word)
        for cut in range(at - 2, at + len(word) + len(canary) + 5):
            masked, markers = record([text[:cut], text[cut:]])
            assert canary not in masked, (word, cut)
            assert masked == expected
            assert markers == [MARK_OUTPUT] * 3


def test_both_scans_mask_a_block_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    text = block_of_config("SameMaskCanary") * 3
    fast = Redactor().mask_block(text)
    monkeypatch.setattr(redaction, "_WORD_SCANNER", None)
    assert Redactor().mask_block(text) == fast
    assert "SameMaskCanary" not in fast


def test_the_scan_is_safe_from_several_threads() -> None:
    """Each thread scans with its own scratch space (Hyperscan's scratch is not shared)."""
    from concurrent.futures import ThreadPoolExecutor

    text = block_of_config("ThreadCanary") * 5
    expected = _secret_word_lines_find(text)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: redaction._secret_word_lines(text), range(32)))
    assert all(result == expected for result in results)


SECRET_PIECES = ["Inj3cted", "Inj3", "cted", "INJ3CTED", "pw", "\n", " ", "x", "Passw0rd",
                 "snmp-server community ", " RO"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SECRET_PIECES), max_size=40),
       st.sets(st.sampled_from(["Inj3cted", "Passw0rd", "cted\npw", "Ünïcode", "x x"]),
               max_size=3))
def test_the_hyperscan_secret_check_agrees_with_substring_search(
        pieces: list[str], secrets: set[str]) -> None:
    text = "".join(pieces)
    assert redaction._WORD_SCANNER is not None
    found = redaction._WORD_SCANNER.holds_secret(text.encode("ascii"), frozenset(secrets))
    assert found == any(secret in text for secret in secrets)


@pytest.mark.parametrize("scanner", ["hyperscan", "find"])
def test_registered_secrets_in_a_large_block_are_masked_and_counted_the_same(
        monkeypatch: pytest.MonkeyPatch, scanner: str) -> None:
    if scanner == "find":
        monkeypatch.setattr(redaction, "_WORD_SCANNER", None)
    injected, extra = "Inj3ctedPassw0rd", "ProcessWideS3cret"
    text = block_of_config("BlockCanary") + f"\r\nlogin {injected} ok {extra}\r\n" * 3
    redactor = Redactor()
    redactor.add_secret(injected)
    masked = redactor.mask_block(text, frozenset({extra}))
    assert injected not in masked and extra not in masked and "BlockCanary" not in masked
    assert len(masked) == len(text)
    assert redactor.redactions == 3 + 3 + 3, "3 config lines, each secret 3 times"


@pytest.mark.parametrize(("size", "secrets"), [(200, 2), (200_000, 2), (200_000, 40)])
def test_registered_secrets_are_masked_whichever_way_they_are_looked_for(
        size: int, secrets: int) -> None:
    """Small texts and large sets of secrets take `str` searches (no database to compile);
    large texts among few secrets take the Hyperscan check: the same masking either way."""
    registered = [f"Registered{i:03d}Secret" for i in range(secrets)]
    redactor = Redactor()
    redactor.add_secrets(registered)
    line = f"login {registered[-1]} then {registered[0]}\n"
    text = ("x" * 79 + "\n") * (size // 80) + line
    masked = redactor.mask_block(text)
    assert registered[0] not in masked and registered[-1] not in masked
    assert masked.endswith(f"login {'*' * len(registered[-1])} then {'*' * len(registered[0])}\n")
    assert redactor.redactions == 2
