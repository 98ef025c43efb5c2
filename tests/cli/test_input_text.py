"""`nocdeck show` prints a run's inputs as `--input NAME=VALUE` takes them."""

from __future__ import annotations

from typing import Any

import pytest

from nocdeck.catalog.inputs import coerce_value
from nocdeck.wording import input_text


@pytest.mark.parametrize(("value", "schema", "text"), [
    ("uplink to core-1", {"type": "string"}, "uplink to core-1"),
    (["192.0.2.1", "192.0.2.2"], {"type": "array", "items": {"type": "string"}},
     "192.0.2.1,192.0.2.2"),
    ([10, 20], {"type": "array", "items": {"type": "integer"}}, "10,20"),
    (["a,b", "c"], {"type": "array", "items": {"type": "string"}}, '["a,b", "c"]'),
    ([], {"type": "array"}, "[]"),
    (True, {"type": "boolean"}, "true"),
    (100, {"type": "integer"}, "100"),
    ({"vlan": 10}, {"type": "object"}, '{"vlan": 10}'),
])
def test_an_input_prints_as_typed_and_parses_back_to_itself(
        value: Any, schema: dict[str, Any], text: str) -> None:
    assert input_text(value) == text
    assert coerce_value(text, schema) == value
