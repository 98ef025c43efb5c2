"""Form: the request form of one workflow, checked field by field before any rendering.

Fields come from the workflow's RequestForm, or from its input schema when it has none. A
bad value is flagged under its field as soon as it is typed; `ctrl+s` checks everything
again through `Catalog.coerce_inputs` (the engine's own rules) before opening the preview.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label, Select, Static

from nocdeck.screens.widgets.fields import FormField
from nocdeck.wording import counted

if TYPE_CHECKING:
    from nocdeck.catalog import Catalog, RequestFormField, Workflow
    from nocdeck.screens.backend import Backend

_FIELD_IN_MESSAGE = re.compile(r"input '([^']+)': ([^;]+)")


def fields_for(catalog: Catalog, workflow: Workflow) -> tuple[str | None, list[RequestFormField]]:
    """The form's slug and fields, or fields made from the input schema when no form exists."""
    from nocdeck.catalog import RequestFormField

    form = catalog.form_for(workflow.slug)
    if form is not None:
        return form.slug, form.ordered_fields()
    made: list[RequestFormField] = []
    for item in workflow.inputs:
        schema = item.schema
        kind = str(schema.get("type", "string"))
        rules = {k: v for k, v in schema.items()
                 if k in {"minimum", "maximum", "minLength", "maxLength", "pattern"}}
        if kind == "integer":
            rules["type"] = "integer"
        field_type = ("object_selector" if item.object_type in {"device", "interface", "vlan"}
                      else "choice" if "enum" in schema
                      else "number" if kind in {"integer", "number"}
                      else "boolean" if kind == "boolean" else "text")
        made.append(RequestFormField(
            field_name=item.name, field_type=field_type, label=item.label,
            help_text=str(schema.get("description", "")), required=item.required,
            default=item.default, validation_rules=rules,
            choices=list(schema.get("enum", [])),
            object_type=item.object_type if field_type == "object_selector" else None,
            depends_on="device" if item.object_type in {"interface", "vlan"}
            and workflow.input("device") else None))
    return None, made


class FormScreen(Screen[None]):
    """Fill the request; ctrl+s previews it."""

    CSS_PATH = "form.tcss"
    BINDINGS = [
        Binding("ctrl+s", "preview", "Preview", id="form.preview"),
        Binding("escape", "app.pop_screen", "Back", id="form.back"),
    ]

    def __init__(self, backend: Backend, catalog: Catalog, workflow: str) -> None:
        super().__init__()
        self.backend = backend
        self.catalog = catalog
        self.workflow = catalog.workflow(workflow)
        self.form_slug, self.specs = fields_for(catalog, self.workflow)

    def compose(self) -> ComposeResult:
        yield Header()
        inventory = None
        ready = self.backend.workspace_now()
        if ready is not None:
            inventory = ready.inventory
        with VerticalScroll(id="form-body"):
            yield Static(f"[b]{self.workflow.name}[/]  [dim]{self.workflow.slug}[/]",
                         id="form-title")
            for spec in self.specs:
                yield FormField(spec, inventory)
            yield Label("Change ticket", classes="field-label")
            yield Input(placeholder="e.g. CHG0012345", id="form-ticket")
            yield Label("Reason", classes="field-label")
            yield Input(placeholder="why this change", id="form-reason")
            yield Static("", id="form-error", markup=False)
            yield Button("Preview (ctrl+s)", id="form-preview", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "request form"
        for field in self.fields():
            if field.spec.field_type == "object_selector" and field.spec.object_type == "device":
                self.device_changed(field)
        self.apply_conditions()
        first = self.query("FormField Input, FormField Select, FormField Checkbox")
        if first:
            first.first().focus()

    def fields(self) -> list[FormField]:
        return list(self.query(FormField))

    def field(self, name: str) -> FormField | None:
        found = [f for f in self.fields() if f.spec.field_name == name]
        return found[0] if found else None

    def values(self) -> dict[str, Any]:
        return {f.spec.field_name: f.value for f in self.fields()}

    # ------------------------------------------------------------------ reacting

    def _owner(self, widget: object) -> FormField | None:
        node = widget
        while node is not None and not isinstance(node, FormField):
            node = getattr(node, "parent", None)
        return node

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def changed(self, event: Input.Changed | Select.Changed | Checkbox.Changed) -> None:
        field = self._owner(event.control)
        if field is None:
            return
        if field.spec.field_type == "object_selector" and field.spec.object_type == "device":
            self.device_changed(field)
        if isinstance(event, Input.Changed) and field.value:
            field.check()
        self.apply_conditions()

    @on(Input.Blurred)
    def blurred(self, event: Input.Blurred) -> None:
        field = self._owner(event.control)
        if field is not None:
            field.check()

    @on(Button.Pressed, "#form-preview")
    def pressed(self) -> None:
        self.action_preview()

    def device_changed(self, device_field: FormField) -> None:
        name = device_field.value
        inventory = device_field.inventory
        device = inventory.get(name) if inventory is not None and name else None
        for field in self.fields():
            if field.spec.depends_on == device_field.spec.field_name:
                field.set_device(device)

    def apply_conditions(self) -> None:
        """Hide the fields whose show_condition is false for the values as they are now."""
        context = {"form": self.values()}
        for index, field in enumerate(self.fields()):
            expression = field.spec.show_condition
            if not expression or self.form_slug is None:
                continue
            try:
                shown = self.catalog.test("form", self.form_slug, expression, context,
                                          "fields", index, "show_condition")
            except Exception:  # an expression over a half-filled form: keep the field shown
                shown = True
            field.set_class(not shown, "-hidden")

    # ------------------------------------------------------------------ submit

    def inputs(self) -> dict[str, Any] | None:
        """The inputs as the engine will take them; None (errors shown inline) otherwise."""
        problems = 0
        raw: dict[str, Any] = {}
        for field in self.fields():
            if field.has_class("-hidden"):
                continue
            if field.check():
                problems += 1
                continue
            if field.value not in (None, ""):
                raw[field.spec.field_name] = field.value
            elif field.spec.field_type == "text" and field.spec.field_name in \
                    (self.workflow.input_schema.get("properties") or {}):
                raw[field.spec.field_name] = ""
        error = self.query_one("#form-error", Static)
        if problems:
            error.update(f"{counted(problems, 'field')} to correct")
            return None
        from nocdeck.errors import InputError

        try:
            return self.catalog.coerce_inputs(self.workflow.slug, raw)
        except InputError as exc:
            shown = 0
            for name, message in _FIELD_IN_MESSAGE.findall(str(exc)):
                named = self.field(name)
                if named is not None:
                    named.show_error(message.strip())
                    shown += 1
            error.update(str(exc) if not shown else f"{counted(shown, 'field')} to correct")
            return None

    def action_preview(self) -> None:
        inputs = self.inputs()
        if inputs is None:
            self.notify("some fields need correcting", severity="warning")
            return
        self.query_one("#form-error", Static).update("")
        from nocdeck.screens.preview import PreviewScreen, RequestDraft

        draft = RequestDraft(
            workflow=self.workflow.slug, inputs=inputs, form=self.form_slug,
            ticket=self.query_one("#form-ticket", Input).value.strip() or None,
            reason=self.query_one("#form-reason", Input).value.strip() or None)
        self.app.push_screen(PreviewScreen(self.backend, self.catalog, draft))
