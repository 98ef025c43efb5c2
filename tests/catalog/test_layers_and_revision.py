"""Layered catalogs (bundled, user, --catalog) and the revision each Execution records."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from nocdeck.catalog import BUNDLED_DIR, Layer, build_catalog, load_catalog, user_catalog_dir
from nocdeck.catalog.revision import content_hash, directory_revision
from nocdeck.config import load_settings

OVERRIDE = """\
kind: workflow
slug: interface-description
name: Describe a port (site edition)
approval_required: true
input_schema:
  type: object
  required: [device, interface, description]
  properties:
    device: {type: string, object_type: device}
    interface: {type: string, object_type: interface}
    description: {type: string, maxLength: 60}
steps:
  - {name: Describe, step_type: task, task: set-interface-description}
"""


def _git(directory: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(directory), "-c", "user.name=t", "-c", "user.email=t@example.invalid",
         *args], check=True, capture_output=True, text=True, timeout=30).stdout.strip()


def test_later_layer_overrides_by_slug(write, tmp_path: Path) -> None:
    write("wf.yaml", OVERRIDE)
    settings = load_settings(flags={"catalog": [str(tmp_path / "catalog")]})
    catalog = load_catalog(settings)
    workflow = catalog.workflow("interface-description")
    assert workflow.name == "Describe a port (site edition)"
    assert workflow.approval_required is True
    assert catalog.source_layer("workflow", "interface-description") == str(tmp_path / "catalog")
    assert catalog.source_layer("workflow", "vlan-add") == "bundled"
    assert len(catalog.workflows) == 9


def test_user_config_dir_catalog_is_a_layer_between_bundled_and_flags(tmp_path: Path) -> None:
    user_dir = user_catalog_dir()
    user_dir.mkdir(parents=True)
    (user_dir / "wf.yaml").write_text(OVERRIDE.replace("site edition", "user edition"))
    flag_dir = tmp_path / "flag"
    flag_dir.mkdir()
    catalog = load_catalog(load_settings())
    assert catalog.workflow("interface-description").name == "Describe a port (user edition)"
    (flag_dir / "wf.yaml").write_text(OVERRIDE.replace("site edition", "flag edition"))
    catalog = load_catalog(load_settings(flags={"catalog": [str(flag_dir)]}))
    assert catalog.workflow("interface-description").name == "Describe a port (flag edition)"
    assert [name for name, _ in catalog.layer_revisions] == ["bundled", "user", str(flag_dir)]


def test_duplicate_slugs_in_different_layers_are_an_override_not_a_problem(write, tmp_path):
    write("wf.yaml", OVERRIDE)
    _, problems = build_catalog([Layer("bundled", BUNDLED_DIR),
                                 Layer("site", tmp_path / "catalog")])
    assert problems == []


def test_override_that_breaks_a_reference_is_reported_in_the_later_layer(write, tmp_path):
    path = write("task.yaml", """
        kind: task
        slug: set-interface-description
        name: Describe (needs a reason)
        input_schema:
          type: object
          required: [interface, description, reason]
          properties:
            interface: {type: string}
            description: {type: string}
            reason: {type: string}
        """)
    _, problems = build_catalog([Layer("bundled", BUNDLED_DIR),
                                 Layer("site", tmp_path / "catalog")])
    messages = [p.message for p in problems]
    assert any("task 'set-interface-description' needs input 'reason'" in m for m in messages)
    assert path.name not in {Path(p.path).name for p in problems}


def test_revision_of_a_plain_directory_is_a_content_hash(write, tmp_path: Path) -> None:
    write("wf.yaml", OVERRIDE)
    first = directory_revision(tmp_path / "catalog")
    assert first.startswith("sha256:") and len(first) == len("sha256:") + 64
    assert directory_revision(tmp_path / "catalog") == first
    write("wf.yaml", OVERRIDE.replace("site edition", "edited"))
    assert directory_revision(tmp_path / "catalog") != first


def test_revision_of_a_git_checkout_is_its_commit_and_dirty_when_modified(write, tmp_path):
    directory = tmp_path / "catalog"
    write("wf.yaml", OVERRIDE)
    _git(directory, "init", "-q")
    _git(directory, "add", ".")
    _git(directory, "commit", "-q", "-m", "catalog")
    commit = _git(directory, "rev-parse", "HEAD")
    assert directory_revision(directory) == f"git:{commit}"
    write("wf.yaml", OVERRIDE.replace("site edition", "edited"))
    assert directory_revision(directory) == f"git:{commit}-dirty"


def test_layered_catalog_revision_names_each_layer(write, tmp_path: Path) -> None:
    write("wf.yaml", OVERRIDE)
    catalog = load_catalog(load_settings(flags={"catalog": [str(tmp_path / "catalog")]}))
    bundled = content_hash(BUNDLED_DIR)
    assert catalog.revision == (f"bundled={bundled};"
                                f"{tmp_path / 'catalog'}={content_hash(tmp_path / 'catalog')}")
    alone = load_catalog(load_settings())
    assert alone.revision == bundled


def test_bundled_catalog_ships_with_the_package(tmp_path: Path) -> None:
    copy = tmp_path / "bundled-copy"
    shutil.copytree(BUNDLED_DIR, copy)
    catalog, problems = build_catalog([Layer("copy", copy)])
    assert problems == []
    assert sorted(catalog.workflows) == [
        "access-port-vlan", "interface-description", "interface-state", "login-banner",
        "nautobot-access-port-vlan", "ntp-servers", "snmp-settings", "vlan-add", "vlan-remove"]
    for slug in catalog.workflows:
        assert catalog.form_for(slug) is not None, slug
