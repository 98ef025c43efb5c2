"""What each workflow step type needs in its `config`, and device checks.

A step's `config` is typed by its `step_type`; the loader validates it with the model below so
an unknown or missing key names the step's file:line like any other catalog problem. Device
checks (a `show` command, parsed, then asserted on) serve `validation` steps, `wait ... until`
and the pre/post checks of a task implementation alike.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

StepType = Literal["task", "validation", "approval", "notification", "condition", "wait"]
STEP_TYPES: tuple[str, ...] = ("task", "validation", "approval", "notification", "condition",
                               "wait")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


PlatformText = str | dict[str, str]
"""One text for every platform, or one per platform (netmiko device_type, or `default`)."""


def for_platform(value: PlatformText | None, platform: str) -> str | None:
    """Pick the text for a platform from a per-platform mapping (falling back to `default`)."""
    if value is None or isinstance(value, str):
        return value
    return value.get(platform, value.get("default"))


class DeviceCheck(_Strict):
    """Run a command on the device, parse the output into fields, assert on them.

    `command` is a Jinja2 template over the step's context. With `parser: regex`, each match
    of `pattern` is a row whose fields are the pattern's named groups (`fields` is the first
    row); with `textfsm`, rows come from ntc-templates for the platform and command. Each
    `assert` entry is a Jinja2 expression over `output`, `rows`, `fields`, `intended`,
    `device`; all must be true.
    """

    name: str = ""
    command: PlatformText
    parser: Literal["none", "regex", "textfsm"] = "none"
    pattern: PlatformText | None = None
    assertions: list[str] = Field(default_factory=list, alias="assert")

    @model_validator(mode="after")
    def _pattern_for_regex(self) -> DeviceCheck:
        if self.parser == "regex" and self.pattern is None:
            raise ValueError("parser 'regex' needs a 'pattern' with named groups")
        if self.parser != "regex" and self.pattern is not None:
            raise ValueError(f"'pattern' is only used with parser 'regex', not {self.parser!r}")
        return self


class TaskStepConfig(_Strict):
    targets: list[str] | None = None
    """Names of the device inputs whose devices this step changes; default: all of them."""


class ValidationStepConfig(DeviceCheck):
    targets: list[str] | None = None


class ApprovalStepConfig(_Strict):
    message: str = ""
    """Shown to the approver (a Jinja2 template over the workflow context)."""
    approvers: list[str] = Field(default_factory=list)
    """Who may approve (user@host or user); empty means anyone but the requester."""


class NotificationStepConfig(_Strict):
    channel: Literal["log", "webhook"] = "log"
    message: str
    """A Jinja2 template over the workflow context."""
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> NotificationStepConfig:
        if self.channel == "webhook" and not self.url:
            raise ValueError("a webhook notification needs a 'url'")
        return self


class ConditionStepConfig(_Strict):
    expression: str
    """A Jinja2 expression over the workflow context."""
    when_false: Literal["skip_remaining", "fail"] = "skip_remaining"
    """What a false expression does: skip the steps after this one, or fail the run."""


class WaitStepConfig(_Strict):
    seconds: float | None = Field(default=None, gt=0)
    until: DeviceCheck | None = None
    timeout_seconds: float = Field(default=300.0, gt=0)
    interval_seconds: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _one_way_to_wait(self) -> WaitStepConfig:
        if (self.seconds is None) == (self.until is None):
            raise ValueError("a wait step needs exactly one of 'seconds' or 'until'")
        return self


StepConfig = (TaskStepConfig | ValidationStepConfig | ApprovalStepConfig
              | NotificationStepConfig | ConditionStepConfig | WaitStepConfig)

STEP_CONFIGS: dict[str, type[BaseModel]] = {
    "task": TaskStepConfig,
    "validation": ValidationStepConfig,
    "approval": ApprovalStepConfig,
    "notification": NotificationStepConfig,
    "condition": ConditionStepConfig,
    "wait": WaitStepConfig,
}


def parse_step_config(step_type: str, config: dict[str, Any]) -> StepConfig:
    """The typed config of a step (raises pydantic's ValidationError on a bad one)."""
    model = STEP_CONFIGS[step_type]
    parsed: StepConfig = model.model_validate(config)  # type: ignore[assignment]
    return parsed
