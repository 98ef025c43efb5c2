"""The catalog's definitions: tasks, their implementations, workflows, forms, checks.

Each YAML document is one of these, named by its `kind:`. Unknown keys are refused (a typo
must not silently do nothing). Cross references (a step's task, a form's workflow) are
checked by `nocdeck.catalog.checks` once every layer is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from nocdeck.catalog.steps import DeviceCheck, StepConfig, StepType, parse_step_config

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=100)]
SemVer = Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")]
ObjectType = Literal["device", "interface", "vlan"]
OBJECT_TYPES: tuple[str, ...] = ("device", "interface", "vlan")
ImplementationType = Literal["jinja2_config", "jinja2_payload", "api_call", "graphql_query",
                             "python_hook"]
TEMPLATE_TYPES: tuple[str, ...] = ("jinja2_config", "jinja2_payload")
NAUTOBOT_TYPES: tuple[str, ...] = ("api_call", "graphql_query")
"""Implementations that change or read Nautobot (nocdeck.inventory.nautobot.steps)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _empty_object_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {}}


class TaskDefinition(_Strict):
    """An operation in the NOC's words ("Set access VLAN"), independent of any vendor."""

    kind: Literal["task"] = "task"
    slug: Slug
    name: str
    description: str = ""
    category: str = "Configuration"
    input_schema: dict[str, Any] = Field(default_factory=_empty_object_schema)
    output_schema: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    documentation: str = ""


class TaskImplementation(_Strict):
    """How one vendor/platform/software version does a task."""

    kind: Literal["implementation"] = "implementation"
    slug: Slug
    task: Slug
    name: str
    manufacturer: str
    platform: str | None = None
    software_version_pattern: str = ""
    priority: int = 0
    implementation_type: ImplementationType = "jinja2_config"
    template: str | None = None
    template_file: str | None = None
    """Path relative to the YAML file that declares this implementation."""
    action_config: dict[str, Any] = Field(default_factory=dict)
    pre_checks: list[DeviceCheck] = Field(default_factory=list)
    post_checks: list[DeviceCheck] = Field(default_factory=list)
    provider: str | None = None
    enabled: bool = True

    @model_validator(mode="after")
    def _template_where_needed(self) -> TaskImplementation:
        if self.template is not None and self.template_file is not None:
            raise ValueError("give either 'template' or 'template_file', not both")
        if self.implementation_type in TEMPLATE_TYPES:
            if self.template is None and self.template_file is None:
                raise ValueError(f"a {self.implementation_type} implementation needs "
                                 "'template' or 'template_file'")
        elif self.template is not None or self.template_file is not None:
            raise ValueError(f"a {self.implementation_type} implementation takes "
                             "'action_config', not a template")
        elif not self.action_config:
            raise ValueError(f"a {self.implementation_type} implementation needs "
                             "'action_config'")
        return self


class WorkflowStep(_Strict):
    """One step; `config` is typed by `step_type` (see nocdeck.catalog.steps)."""

    name: str
    order: int | None = None
    step_type: StepType
    task: Slug | None = None
    input_mapping: dict[str, Any] = Field(default_factory=dict)
    """Task input -> value; a string with `{{ … }}` is a Jinja2 template over the context."""
    output_mapping: dict[str, str] = Field(default_factory=dict)
    """Context name -> Jinja2 template over the step's `outputs`."""
    condition: str | None = None
    """A Jinja2 expression; the step runs only when it is true."""
    on_failure: Literal["stop", "continue", "skip_remaining"] = "stop"
    depends_on: list[str] = Field(default_factory=list)
    """Steps (by name) that must finish before this one; steps otherwise run by `order`."""
    config: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _task_only_for_task_steps(self) -> WorkflowStep:
        if self.step_type == "task" and self.task is None:
            raise ValueError("a task step needs 'task' (a task slug)")
        if self.step_type != "task" and self.task is not None:
            raise ValueError(f"'task' is only for task steps, not {self.step_type!r} steps")
        if self.step_type != "task" and self.input_mapping:
            raise ValueError("'input_mapping' is only for task steps")
        return self

    @property
    def typed_config(self) -> StepConfig:
        """The config as its step type's model (validated when the catalog was loaded)."""
        return parse_step_config(self.step_type, self.config)


@dataclass(frozen=True)
class WorkflowInput:
    """One input of a workflow, read from its input_schema's properties."""

    name: str
    schema: dict[str, Any]
    required: bool
    secret: bool
    """A `cred:` reference, resolved only at push time and never stored."""
    object_type: str | None
    """`device`, `interface` or `vlan` when the value names an inventory object."""

    @property
    def default(self) -> Any:
        return self.schema.get("default")

    @property
    def label(self) -> str:
        return str(self.schema.get("title") or self.name.replace("_", " ").capitalize())


class Workflow(_Strict):
    """An ordered set of steps a NOC engineer requests as one change."""

    kind: Literal["workflow"] = "workflow"
    slug: Slug
    name: str
    description: str = ""
    category: str = "Configuration"
    version: SemVer = "1.0.0"
    enabled: bool = True
    approval_required: bool = False
    schedule_allowed: bool = False
    input_schema: dict[str, Any] = Field(default_factory=_empty_object_schema)
    """JSON Schema of the inputs; a property may add `secret: true` or `object_type`."""
    default_inputs: dict[str, Any] = Field(default_factory=dict)
    save_config: bool = True
    """Save the running config to startup after a successful change (write memory)."""
    rollback_on_failure: bool = False
    """Push the inverse of what was applied when a line is rejected or a post-check fails."""
    junos_commit_confirmed_minutes: int = Field(default=5, ge=1, le=60)
    """Junos changes use `commit confirmed N`, confirmed only after the post-checks pass."""
    steps: list[WorkflowStep] = Field(min_length=1)

    @property
    def inputs(self) -> list[WorkflowInput]:
        properties = self.input_schema.get("properties") or {}
        required = set(self.input_schema.get("required") or [])
        out = []
        for name, schema in properties.items():
            schema = schema if isinstance(schema, dict) else {}
            out.append(WorkflowInput(
                name=name, schema=schema, required=name in required,
                secret=bool(schema.get("secret", False)), object_type=schema.get("object_type"),
            ))
        return out

    def input(self, name: str) -> WorkflowInput | None:
        for item in self.inputs:
            if item.name == name:
                return item
        return None

    @property
    def device_inputs(self) -> list[str]:
        """Inputs that name target devices: the plan's targets come from them."""
        return [i.name for i in self.inputs if i.object_type == "device"]

    @property
    def secret_inputs(self) -> list[str]:
        return [i.name for i in self.inputs if i.secret]

    def execution_order(self) -> list[WorkflowStep]:
        """Steps by `order` (then position), each after the steps it depends on.

        The catalog refuses dependency cycles at load time, so this always terminates.
        """
        def position(item: tuple[int, WorkflowStep]) -> tuple[int, int]:
            index, step = item
            return (step.order if step.order is not None else index + 1, index)

        pending = [step for _, step in sorted(enumerate(self.steps), key=position)]
        done: list[WorkflowStep] = []
        names: set[str] = set()
        while pending:
            for step in pending:
                if all(d in names or d not in {s.name for s in self.steps}
                       for d in step.depends_on):
                    done.append(step)
                    names.add(step.name)
                    pending.remove(step)
                    break
            else:
                done.extend(pending)
                break
        return done


FieldType = Literal["object_selector", "text", "number", "choice", "multi_choice", "boolean"]


class Choice(_Strict):
    value: str | int | float | bool
    label: str = ""


class RequestFormField(_Strict):
    """One field of a request form; `field_name` is the workflow input it fills."""

    field_name: str
    field_type: FieldType
    label: str = ""
    help_text: str = ""
    order: int | None = None
    required: bool = False
    default: Any = None
    validation_rules: dict[str, Any] = Field(default_factory=dict)
    """JSON Schema keywords the value must satisfy (pattern, minimum, maxLength, …)."""
    choices: list[Choice | str | int] = Field(default_factory=list)
    object_type: ObjectType | None = None
    queryset_filter: dict[str, Any] = Field(default_factory=dict)
    """Inventory attributes the offered objects must match (platform, role, site, tag)."""
    depends_on: str | None = None
    """Another field whose value this one needs first (an interface needs its device)."""
    show_condition: str | None = None
    """A Jinja2 expression over the other fields' values (`form`); shown only when true."""

    @model_validator(mode="after")
    def _field_type_needs(self) -> RequestFormField:
        if self.field_type == "object_selector" and self.object_type is None:
            raise ValueError("an object_selector field needs 'object_type' "
                             "(device, interface or vlan)")
        if self.field_type != "object_selector" and (self.object_type or self.queryset_filter):
            raise ValueError("'object_type' and 'queryset_filter' are only for "
                             "object_selector fields")
        if self.field_type in ("choice", "multi_choice") and not self.choices:
            raise ValueError(f"a {self.field_type} field needs 'choices'")
        return self

    @property
    def choice_values(self) -> list[Any]:
        return [c.value if isinstance(c, Choice) else c for c in self.choices]


class RequestForm(_Strict):
    """The form an engineer fills to request a workflow."""

    kind: Literal["form"] = "form"
    slug: Slug
    name: str
    description: str = ""
    workflow: Slug
    published: bool = True
    category: str = ""
    icon: str = ""
    fields: list[RequestFormField] = Field(default_factory=list)

    def ordered_fields(self) -> list[RequestFormField]:
        indexed = list(enumerate(self.fields))
        indexed.sort(key=lambda item: (item[1].order if item[1].order is not None
                                       else item[0] + 1, item[0]))
        return [f for _, f in indexed]


class ComplianceCheck(_Strict):
    """A policy check; parsed and validated now, run by a later issue."""

    kind: Literal["compliance_check"] = "compliance_check"
    slug: Slug
    name: str
    description: str = ""
    check_type: Literal["config_template", "graphql_query", "api_call", "python_hook"]
    standard: str | None = None
    severity: Literal["info", "warning", "error", "critical"] = "warning"
    check_logic: str
    remediation_workflow: Slug | None = None
    match_rules: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True


class Schedule(_Strict):
    """A recurring run of a workflow; parsed only, until scheduling lands."""

    kind: Literal["schedule"] = "schedule"
    slug: Slug
    name: str
    workflow: Slug
    cron: Annotated[str, StringConstraints(pattern=r"^\s*(\S+\s+){4}\S+\s*$")]
    inputs: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True


class UpgradeEntry(_Strict):
    """A software target for a platform; parsed only, until upgrade plans land."""

    kind: Literal["upgrade"] = "upgrade"
    slug: Slug
    name: str
    manufacturer: str
    platform: str | None = None
    current_version_pattern: str = ""
    target_version: str
    workflow: Slug | None = None
    enabled: bool = True


CatalogEntry = (TaskDefinition | TaskImplementation | Workflow | RequestForm | ComplianceCheck
                | Schedule | UpgradeEntry)

KINDS: dict[str, type[BaseModel]] = {
    "task": TaskDefinition,
    "implementation": TaskImplementation,
    "workflow": Workflow,
    "form": RequestForm,
    "compliance_check": ComplianceCheck,
    "schedule": Schedule,
    "upgrade": UpgradeEntry,
}
"""Every `kind:` a catalog document may say, and the model that reads it."""
