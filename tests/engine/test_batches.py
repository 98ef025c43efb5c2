"""`--batch N|P%`: how many devices each batch after the canary takes, and the bad values."""

from __future__ import annotations

import pytest

from nocdeck.engine.runmodel import Batches, RunOptions
from nocdeck.errors import BadInput


@pytest.mark.parametrize(("text", "total", "size"), [
    (None, 7, 7), ("3", 7, 3), ("10", 7, 10), ("50%", 7, 3), ("10%", 7, 1), ("100%", 7, 7),
    (None, 0, 1),
])
def test_a_batch_size_out_of_the_devices_left(text: str | None, total: int, size: int) -> None:
    assert Batches.parse(text).size(total) == size


@pytest.mark.parametrize(("text", "words"), [
    ("0", "a device count is a whole number, at least 1"),
    ("1.5", "a device count is a whole number"),
    ("0%", "more than 0%"), ("150%", "at most 100%"), ("some", "expected a device count"),
])
def test_a_bad_batch_names_itself(text: str, words: str) -> None:
    with pytest.raises(BadInput, match=f"--batch '{text}'.*{words}"):
        Batches.parse(text)


def test_batches_travel_with_the_run_options_to_the_process_that_executes() -> None:
    options = RunOptions(batch=Batches.parse("25%"))
    assert RunOptions.from_json(options.as_json()) == options
    assert RunOptions.from_json({}).batch == Batches()
