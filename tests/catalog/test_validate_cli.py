"""`nocdeck catalog validate`: a NOC engineer checks a catalog before merging it.

Each broken catalog below has one kind of mistake; the engineer must see it as
`PATH:LINE: message` on stdout and get exit 1 (2 when the directory cannot be read).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.catalog.conftest import run_cli

WORKFLOW_HEAD = """\
kind: workflow
slug: port-note
name: Port note
input_schema:
  type: object
  required: [device, interface, description]
  properties:
    device: {type: string, object_type: device}
    interface: {type: string, object_type: interface}
    description: {type: string}
"""


def validate(directory: Path) -> tuple[int, list[str], str]:
    result = run_cli("catalog", "validate", str(directory))
    return result.exit_code, result.stdout.splitlines(), result.stderr


def test_bundled_catalog_is_clean() -> None:
    result = run_cli("catalog", "validate")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.startswith("catalog OK: 10 tasks, 30 implementations, 9 workflows")
    assert "revision sha256:" in result.stdout


def test_clean_user_dir_layered_over_bundled(write, tmp_path: Path) -> None:
    write("port-note.yaml", WORKFLOW_HEAD + """\
        steps:
          - name: Describe
            step_type: task
            task: set-interface-description
        """.replace("        ", ""))
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 0, lines
    assert "10 workflows" in lines[0]


def test_yaml_parse_error(write, tmp_path: Path) -> None:
    path = write("broken.yaml", """
        kind: task
        slug: x
        name: [unclosed
        description: y
        """)
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}:4: invalid YAML:")


def test_unknown_key_names_its_line(write, tmp_path: Path) -> None:
    path = write("task.yaml", """
        kind: task
        slug: ping
        name: Ping
        catgory: Diagnostics
        """)
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    assert lines == [f"{path}:4: catgory: unknown key"]


def test_schema_error_and_missing_kind(write, tmp_path: Path) -> None:
    path = write("things.yaml", """
        kind: implementation
        slug: ping-ios
        task: set-login-banner
        name: Ping IOS
        manufacturer: Cisco
        priority: high
        template: "ping"
        ---
        slug: orphan
        name: Orphan
        """)
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    assert lines == [
        f"{path}:6: priority: Input should be a valid integer, unable to parse string as an "
        "integer",
        f"{path}:9: missing 'kind:' (one of: task, implementation, workflow, form, "
        "compliance_check, schedule, upgrade)",
    ]


def test_unknown_kind(write, tmp_path: Path) -> None:
    path = write("k.yaml", "kind: playbook\nslug: x\n")
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    assert lines == [f"{path}:1: kind: unknown kind 'playbook' (one of: task, implementation, "
                     "workflow, form, compliance_check, schedule, upgrade)"]


def test_duplicate_slug_in_one_layer(write, tmp_path: Path) -> None:
    first = write("a.yaml", "kind: task\nslug: ping\nname: Ping\n")
    second = write("b.yaml", "# again\nkind: task\nslug: ping\nname: Ping again\n")
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    assert lines == [f"{second}:3: slug: duplicate task slug 'ping' (first defined at {first}:2)"]


def test_step_names_unknown_task(write, tmp_path: Path) -> None:
    path = write("wf.yaml", WORKFLOW_HEAD + "steps:\n  - name: Describe\n    step_type: task\n"
                 "    task: set-interface-descripton\n")
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    assert lines == [f"{path}:14: steps[0] 'Describe': unknown task 'set-interface-descripton'"]


def test_form_for_unknown_workflow_and_field_without_input(write, tmp_path: Path) -> None:
    path = write("forms.yaml", """
        kind: form
        slug: orphan-form
        name: Orphan
        workflow: no-such-workflow
        ---
        kind: form
        slug: describe
        name: Describe
        workflow: interface-description
        fields:
          - field_name: device
            field_type: object_selector
            object_type: device
          - field_name: interface
            field_type: text
          - field_name: descr
            field_type: text
        """)
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    assert lines == [
        f"{path}:4: workflow: form 'orphan-form' is for unknown workflow 'no-such-workflow'",
        f"{path}:10: form 'describe' does not ask for required input 'description' of "
        "workflow 'interface-description'",
        f"{path}:16: fields[2]: field 'descr' maps to no input of workflow "
        "'interface-description' (inputs: device, interface, description)",
    ]


def test_step_dependency_cycle(write, tmp_path: Path) -> None:
    path = write("wf.yaml", WORKFLOW_HEAD + """\
steps:
  - name: Describe
    step_type: task
    task: set-interface-description
    depends_on: [Notify]
  - name: Notify
    step_type: notification
    depends_on: [Describe]
    config: {message: done}
""")
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    assert lines == [f"{path}:15: steps: depends_on forms a cycle: Describe -> Notify -> Describe"]


def test_form_field_dependency_cycle(write, tmp_path: Path) -> None:
    path = write("form.yaml", """
        kind: form
        slug: describe
        name: Describe
        workflow: interface-description
        fields:
          - {field_name: device, field_type: object_selector, object_type: device,
             depends_on: interface}
          - {field_name: interface, field_type: text, depends_on: device}
          - {field_name: description, field_type: text}
        """)
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    assert lines == [f"{path}:7: fields: depends_on forms a cycle: device -> interface -> device"]


def test_implementation_of_unknown_task(write, tmp_path: Path) -> None:
    path = write("impl.yaml", """
        kind: implementation
        slug: ping-ios
        task: ping
        name: Ping - IOS
        manufacturer: Cisco
        template: "ping {{ intended.target }}"
        """)
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    assert lines == [f"{path}:3: task: implementation 'ping-ios' is for unknown task 'ping'"]


def test_missing_template_file(write, tmp_path: Path) -> None:
    path = write("impl.yaml", """
        kind: implementation
        slug: banner-ios-v2
        task: set-login-banner
        name: Banner v2
        manufacturer: Cisco
        template_file: templates/banner.j2
        """)
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    assert lines == [f"{path}:6: template file 'templates/banner.j2' does not exist "
                     f"(looked for {path.parent / 'templates/banner.j2'})"]


def test_template_file_syntax_error_names_the_template_line(write, tmp_path: Path) -> None:
    template = write("templates/banner.j2", "banner motd ^C\n{{ intended.banner }\n^C\n")
    write("impl.yaml", """
        kind: implementation
        slug: banner-ios-v2
        task: set-login-banner
        name: Banner v2
        manufacturer: Cisco
        template_file: templates/banner.j2
        """)
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    assert lines == [f"{template}:2: template syntax error: unexpected '}}'"]


def test_inline_template_syntax_error_names_the_yaml_line(write, tmp_path: Path) -> None:
    path = write("impl.yaml", """
        kind: implementation
        slug: banner-ios-v2
        task: set-login-banner
        name: Banner v2
        manufacturer: Cisco
        template: |
          banner motd ^C
          {% if intended.banner %}
          {{ intended.banner }}
          ^C
        """)
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    # Jinja reports the end of an unclosed block at the last token it read (template line 3)
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}:9: template syntax error: Unexpected end of template.")
    assert "The innermost block that needs to be closed is 'if'." in lines[0]


def test_invalid_version_regex_and_range(write, tmp_path: Path) -> None:
    path = write("impl.yaml", """
        kind: implementation
        slug: banner-a
        task: set-login-banner
        name: A
        manufacturer: Cisco
        software_version_pattern: "15.(2"
        template: x
        ---
        kind: implementation
        slug: banner-b
        task: set-login-banner
        name: B
        manufacturer: Cisco
        software_version_pattern: ">=15.0,<<16"
        template: x
        """)
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    assert lines == [
        f"{path}:6: software_version_pattern: invalid regex '15.(2': missing ), unterminated "
        "subpattern at position 3",
        f"{path}:14: software_version_pattern: invalid version range clause '<<16' in "
        "'>=15.0,<<16' (expected e.g. '>=15.0,<16.0')",
    ]


def test_invalid_json_schema(write, tmp_path: Path) -> None:
    path = write("task.yaml", """
        kind: task
        slug: ping
        name: Ping
        input_schema:
          type: object
          properties:
            count: {type: integr}
        """)
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}:7: input_schema: invalid JSON Schema: ")
    assert "integr" in lines[0]


def test_step_config_checked_by_step_type(write, tmp_path: Path) -> None:
    path = write("wf.yaml", WORKFLOW_HEAD + """\
steps:
  - name: Notify
    step_type: notification
    config:
      channel: webhook
      mesage: hello
""")
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    assert lines == [f"{path}:14: steps.0.config.message: Field required",
                     f"{path}:16: steps.0.config.mesage: unknown key"]


def test_secret_input_must_be_a_string(write, tmp_path: Path) -> None:
    path = write("wf.yaml", """
        kind: workflow
        slug: snmp
        name: SNMP
        input_schema:
          type: object
          properties:
            community: {type: integer, secret: true}
        steps:
          - {name: Set, step_type: task, task: set-snmp-community,
             input_mapping: {access: ro}}
        """)
    code, lines, _ = validate(tmp_path / "catalog")
    assert code == 1
    assert lines == [f"{path}:7: input 'community': a secret input holds a 'cred:' reference, "
                     "so its type must be string"]


def test_every_problem_is_reported_not_just_the_first(write, tmp_path: Path) -> None:
    write("a.yaml", "kind: task\nslug: a\nname: A\ncolour: red\n")
    write("b.yaml", "kind: task\nslug: b\nname: [\n")
    write("c.yaml", "kind: form\nslug: c\nname: C\nworkflow: nowhere\n")
    code, lines, stderr = validate(tmp_path / "catalog")
    assert code == 1
    assert [line.split(":")[0].rsplit("/", 1)[1] for line in lines] == ["a.yaml", "b.yaml",
                                                                         "c.yaml"]
    assert "3 problems found" in stderr


@pytest.mark.parametrize("kind", ["missing", "file", "unreadable"])
def test_directory_that_cannot_be_read_exits_2(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "cat"
    if kind == "file":
        target.write_text("not a dir")
    elif kind == "unreadable":
        if os.geteuid() == 0:
            pytest.skip("root can read any directory")
        target.mkdir()
        target.chmod(0)
    result = run_cli("catalog", "validate", str(target))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {target}: ")
    assert "Traceback" not in result.stderr


def test_other_commands_refuse_a_broken_catalog_with_exit_2(write, tmp_path: Path) -> None:
    path = write("a.yaml", "kind: task\nslug: a\nname: A\ncolour: red\n")
    result = run_cli("--catalog", str(tmp_path / "catalog"), "catalog", "list")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert ("the catalog has 1 problem (run: nocdeck catalog validate, with the same "
            "--catalog options)") in result.stderr
    assert f"{path}:4: colour: unknown key" in result.stderr
    assert "Traceback" not in result.stderr


def test_list_json_shows_workflows_tasks_and_layers(write, tmp_path: Path) -> None:
    write("override.yaml", WORKFLOW_HEAD.replace("slug: port-note", "slug: interface-description")
          .replace("name: Port note", "name: Describe a port (site edition)") + """\
approval_required: true
steps:
  - {name: Describe, step_type: task, task: set-interface-description}
""")
    result = run_cli("--catalog", str(tmp_path / "catalog"), "catalog", "list", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    workflows = {w["slug"]: w for w in data["workflows"]}
    assert workflows["interface-description"] == {
        "slug": "interface-description", "name": "Describe a port (site edition)",
        "category": "Configuration", "version": "1.0.0", "enabled": True,
        "approval_required": True, "inputs": ["device", "interface", "description"],
        "layer": str(tmp_path / "catalog"),
    }
    assert workflows["vlan-add"]["layer"] == "bundled"
    tasks = {t["slug"]: t for t in data["tasks"]}
    assert tasks["set-access-vlan"]["platforms"] == ["arista_eos", "cisco_ios", "juniper_junos"]
    assert [layer["name"] for layer in data["layers"]] == ["bundled", str(tmp_path / "catalog")]
    assert data["revision"].startswith("bundled=sha256:")


def test_list_text(cli) -> None:
    result = cli("catalog", "list")
    assert result.exit_code == 0
    assert "interface-description" in result.stdout
    assert "vlan-add                  1.0.0    approval" in result.stdout
