"""One widget per request-form field, built from the catalog's RequestFormField.

Each `FormField` knows its value, validates it inline (the message shows under the field
before anything is rendered) and hides itself when its `show_condition` is false. Object
selectors complete from the inventory as you type; an interface or VLAN selector lists only
what the device it `depends_on` has.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, SelectionList, Static

if TYPE_CHECKING:
    from nocdeck.catalog import RequestFormField
    from nocdeck.inventory import Inventory
    from nocdeck.inventory.models import Device

MAX_LISTED = 6
"""How many matching devices the hint under a device selector names."""


class NameSuggester(Suggester):
    """Completes a name from a list (thousands of devices: a linear scan is microseconds)."""

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self.names = sorted(names)

    async def get_suggestion(self, value: str) -> str | None:
        for name in self.names:
            if name.lower().startswith(value):
                return name
        return None


def _matches(device: Device, criteria: dict[str, Any]) -> bool:
    for key, wanted in criteria.items():
        have = getattr(device, key, None)
        if have is None:
            have = device.vars.get(key)
        if isinstance(have, list):
            if str(wanted) not in [str(v) for v in have]:
                return False
        elif str(have) != str(wanted):
            return False
    return True


class FormField(Vertical):
    """A labelled input with help text and an inline error line."""

    DEFAULT_CSS = """
    FormField { height: auto; margin: 0 0 1 0; }
    FormField .field-label { text-style: bold; }
    FormField .field-help { color: $text-muted; }
    FormField .field-error { color: $error; height: auto; }
    FormField.-hidden { display: none; }
    """

    def __init__(self, spec: RequestFormField, inventory: Inventory | None) -> None:
        super().__init__(id=f"field-{spec.field_name}")
        self.spec = spec
        self.inventory = inventory
        self.device: Device | None = None
        """The device this field depends on, when it does."""

    @property
    def name_(self) -> str:
        return self.spec.field_name

    def compose(self) -> ComposeResult:
        spec = self.spec
        mark = " *" if spec.required else ""
        yield Label(f"{spec.label or spec.field_name}{mark}", classes="field-label")
        yield self._control()
        if spec.help_text:
            yield Static(spec.help_text, classes="field-help", markup=False)
        yield Static("", classes="field-error", markup=False)

    def _control(self) -> Widget:
        spec = self.spec
        ident = f"input-{spec.field_name}"
        if spec.field_type == "boolean":
            return Checkbox(spec.label or spec.field_name, value=bool(spec.default), id=ident)
        if spec.field_type == "choice":
            options = [(str(c), c) for c in spec.choice_values]
            return Select(options, value=spec.default if spec.default in spec.choice_values
                          else Select.NULL, id=ident)
        if spec.field_type == "multi_choice":
            chosen = spec.default if isinstance(spec.default, list) else []
            return SelectionList[Any](*[(str(c), c, c in chosen) for c in spec.choice_values],
                                      id=ident)
        if spec.field_type == "object_selector" and spec.object_type != "device":
            return Select[str]([], prompt=f"pick a {spec.depends_on or 'device'} first",
                               id=ident)
        suggester = None
        if spec.field_type == "object_selector" and self.inventory is not None:
            suggester = NameSuggester([d.name for d in self.devices()])
        kind = "number" if spec.field_type == "number" else "text"
        rules = spec.validation_rules
        if spec.field_type == "number" and rules.get("type") == "integer":
            kind = "integer"
        default = "" if spec.default is None else str(spec.default)
        return Input(default, type=kind, suggester=suggester, id=ident,  # type: ignore[arg-type]
                     placeholder=self._placeholder())

    def _placeholder(self) -> str:
        rules = self.spec.validation_rules
        if self.spec.field_type == "object_selector":
            return "type to filter devices (→ completes)"
        if "minimum" in rules or "maximum" in rules:
            return f"{rules.get('minimum', '…')} to {rules.get('maximum', '…')}"
        return ""

    def devices(self) -> list[Device]:
        if self.inventory is None:
            return []
        return [d for d in self.inventory if _matches(d, self.spec.queryset_filter)]

    # -------------------------------------------------------------- dependent options

    def set_device(self, device: Device | None) -> None:
        """Offer only this device's interfaces or VLANs (matching the queryset filter)."""
        self.device = device
        control = self.query_one(f"#input-{self.name_}")
        if not isinstance(control, Select):
            return
        options: list[tuple[str, str]] = []
        if device is not None and self.spec.object_type == "interface":
            for iface in device.interfaces:
                if self.spec.queryset_filter.get("mode", iface.mode) != iface.mode:
                    continue
                text = f"{iface.name}  {iface.description}".rstrip()
                options.append((text, iface.name))
        elif device is not None and self.spec.object_type == "vlan":
            options = [(f"{v.id}  {v.name}".rstrip(), str(v.id)) for v in device.vlans]
        control.set_options(options)
        control.prompt = (f"pick one of {device.name}'s {len(options)}" if device
                          else f"pick a {self.spec.depends_on or 'device'} first")

    # -------------------------------------------------------------- value and checks

    @property
    def value(self) -> Any:
        control = self.query_one(f"#input-{self.name_}")
        if isinstance(control, Checkbox):
            return control.value
        if isinstance(control, SelectionList):
            return list(control.selected)
        if isinstance(control, Select):
            return control.selection
        assert isinstance(control, Input)
        text = control.value.strip()
        if not text and self.spec.field_type != "text":
            return None
        return text

    def check(self) -> str | None:
        """The first problem with the value as typed, or None; shown under the field."""
        spec, value, rules = self.spec, self.value, self.spec.validation_rules
        problem: str | None = None
        if value in (None, "", []):
            problem = "required" if spec.required else None
        elif spec.field_type == "object_selector" and spec.object_type == "device":
            known = {d.name for d in self.devices()}
            if value not in known:
                near = [n for n in sorted(known) if str(value).lower() in n.lower()][:MAX_LISTED]
                problem = (f"unknown device {value!r}"
                           + (f" (did you mean {', '.join(near)}?)" if near else ""))
        elif spec.field_type == "number":
            try:
                number = float(value)
            except (TypeError, ValueError):
                problem = f"{value!r} is not a number"
            else:
                if rules.get("type") == "integer" and not number.is_integer():
                    problem = "must be a whole number"
                elif "minimum" in rules and number < rules["minimum"]:
                    problem = f"{value} is below the minimum {rules['minimum']}"
                elif "maximum" in rules and number > rules["maximum"]:
                    problem = f"{value} is above the maximum {rules['maximum']}"
        elif spec.field_type == "text" and isinstance(value, str):
            if "maxLength" in rules and len(value) > rules["maxLength"]:
                problem = f"at most {rules['maxLength']} characters ({len(value)} given)"
            elif "minLength" in rules and len(value) < rules["minLength"]:
                problem = f"at least {rules['minLength']} characters"
            elif "pattern" in rules and not re.search(rules["pattern"], value):
                problem = "does not have the expected form"
        self.show_error(problem)
        return problem

    def show_error(self, problem: str | None) -> None:
        self.query_one(".field-error", Static).update(problem or "")
        self.set_class(bool(problem), "-invalid")
