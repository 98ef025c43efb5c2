"""The engine's config diff: correct, in `diff -u` form, fast, and safe with secrets."""

from __future__ import annotations

import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nocdeck.engine.diff import ConfigDiff, diff_lines, diff_text

RUNNING = """\
hostname access-sw1
!
snmp-server community Nm0nitor42 RO
!
interface GigabitEthernet1/0/1
 description Desk 1-01
 switchport mode access
 switchport access vlan 10
 spanning-tree portfast
!
interface GigabitEthernet1/0/2
 description Desk 1-02
 switchport mode access
 switchport access vlan 10
 spanning-tree portfast
!
interface GigabitEthernet1/0/3
 description Printer 1
 switchport mode access
 switchport access vlan 30
 shutdown
!
end
"""

INTENDED = RUNNING.replace(" description Desk 1-02", " description Hot desk 102").replace(
    " switchport access vlan 30\n shutdown\n", " switchport access vlan 40\n")


def _config(rnd: random.Random, interfaces: int) -> list[str]:
    lines = ["hostname sw1", "!"]
    for n in range(interfaces):
        lines += [f"interface GigabitEthernet1/0/{n}", f" description port {n}",
                  " switchport mode access", f" switchport access vlan {rnd.choice([10, 20])}",
                  " no shutdown", "!"]
    return [*lines, "end"]


def _mutate(rnd: random.Random, lines: list[str], changes: int) -> list[str]:
    out = list(lines)
    for n in range(changes):
        at = rnd.randrange(len(out))
        kind = rnd.random()
        if kind < 0.5:
            out[at] += " changed"
        elif kind < 0.75:
            out.insert(at, f" ip helper-address 10.0.{n}.1")
        else:
            del out[at]
    return out


def test_applying_the_opcodes_to_running_gives_intended() -> None:
    diff = diff_text(RUNNING, INTENDED)
    assert diff.apply() == INTENDED.splitlines()
    assert (diff.added, diff.removed) == (2, 3)
    assert [op.tag for op in diff.changes()] == ["replace", "replace"]


def test_no_change_gives_an_empty_diff() -> None:
    diff = diff_text(RUNNING, RUNNING)
    assert not diff.changed
    assert diff.unified() == ""
    assert (diff.added, diff.removed) == (0, 0)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["!", " a", " b", "interface x", "c", "d", "e"]), max_size=60),
       st.lists(st.sampled_from(["!", " a", " b", "interface x", "c", "f", "e"]), max_size=60))
def test_any_two_configs_round_trip_through_the_opcodes(a: list[str], b: list[str]) -> None:
    diff = diff_lines(a, b)
    assert diff.apply() == b
    _check_opcodes_tile_both_sides(diff)


@pytest.mark.parametrize("seed", range(25))
def test_large_random_edits_round_trip(seed: int) -> None:
    rnd = random.Random(seed)
    a = _config(rnd, rnd.randint(1, 400))
    b = _mutate(rnd, a, rnd.randint(0, 60))
    diff = diff_lines(a, b)
    assert diff.apply() == b
    _check_opcodes_tile_both_sides(diff)


def _check_opcodes_tile_both_sides(diff: ConfigDiff) -> None:
    i = j = 0
    for op in diff.opcodes:
        assert (op.i1, op.j1) == (i, j)
        if op.tag == "equal":
            assert list(diff.a[op.i1:op.i2]) == list(diff.b[op.j1:op.j2])
        i, j = op.i2, op.j2
    assert (i, j) == (len(diff.a), len(diff.b))


@pytest.mark.skipif(shutil.which("diff") is None, reason="GNU diff not installed")
def test_unified_output_is_what_gnu_diff_prints(tmp_path: Path) -> None:
    (tmp_path / "running").write_text(RUNNING)
    (tmp_path / "intended").write_text(INTENDED)
    gnu = subprocess.run(["diff", "-u", "running", "intended"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=30).stdout
    ours = diff_text(RUNNING, INTENDED).unified(fromfile="running", tofile="intended")
    # GNU diff adds a timestamp to the two header lines; the hunks are identical.
    assert [line.split("\t")[0] for line in gnu.splitlines()] == ours.splitlines()


@pytest.mark.skipif(shutil.which("patch") is None, reason="GNU patch not installed")
@pytest.mark.parametrize("seed", range(5))
def test_gnu_patch_applies_our_unified_diff(tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    a = _config(rnd, 300)
    b = _mutate(rnd, a, 40)
    (tmp_path / "running").write_text("\n".join(a) + "\n")
    (tmp_path / "fix.diff").write_text(diff_lines(a, b).unified(fromfile="running",
                                                                tofile="running"))
    subprocess.run(["patch", "-s", "running", "fix.diff"], cwd=tmp_path, check=True,
                   timeout=30)
    assert (tmp_path / "running").read_text().splitlines() == b


@pytest.mark.skipif(shutil.which("diff") is None, reason="GNU diff not installed")
def test_change_counts_match_gnu_diff_on_scattered_edits(tmp_path: Path) -> None:
    rnd = random.Random(7)
    a = _config(rnd, 500)
    b = _mutate(rnd, a, 50)
    (tmp_path / "a").write_text("\n".join(a) + "\n")
    (tmp_path / "b").write_text("\n".join(b) + "\n")
    gnu = subprocess.run(["diff", "a", "b"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=30).stdout.splitlines()
    diff = diff_lines(a, b)
    assert diff.removed == sum(1 for line in gnu if line.startswith("< "))
    assert diff.added == sum(1 for line in gnu if line.startswith("> "))


def test_single_line_and_empty_ranges_use_diff_u_numbering() -> None:
    diff = diff_lines(["a", "b", "c"], ["a", "x", "b", "c"])
    assert diff.unified(context=0).splitlines()[2] == "@@ -1,0 +2 @@"
    diff = diff_lines(["a", "b", "c"], ["a", "c"])
    assert diff.unified(context=0).splitlines()[2] == "@@ -2 +1,0 @@"


def test_a_100000_line_config_with_1000_changes_diffs_in_well_under_a_second() -> None:
    rnd = random.Random(42)
    a = _config(rnd, 16_700)
    b = _mutate(rnd, a, 1_000)
    assert len(a) > 100_000
    best = min(_timed(lambda: diff_lines(a, b)) for _ in range(3))
    assert diff_lines(a, b).apply() == b
    assert best < 1.0, f"diff took {best:.2f} s"


def _timed(work: object) -> float:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - start


def test_side_by_side_folds_unchanged_stretches_with_a_count() -> None:
    rows = diff_text(RUNNING, INTENDED).side_by_side(context=1)
    tags = [row.tag for row in rows]
    assert tags[0] == "fold"
    assert rows[0].folded == 10  # the 12 lines before the first change, less 1 of context
    changed = [row for row in rows if row.tag == "replace"]
    assert (changed[0].left, changed[0].right) == (" description Desk 1-02",
                                                   " description Hot desk 102")
    assert (changed[0].left_no, changed[0].right_no) == (12, 12)
    # The shutdown line has no partner on the right: a one-sided row.
    assert any(row.left == " shutdown" and row.right is None for row in rows)
    unfolded = diff_text(RUNNING, INTENDED).side_by_side(fold=False)
    assert "fold" not in {row.tag for row in unfolded}
    assert len(unfolded) == len(RUNNING.splitlines())


def test_side_by_side_gives_random_access_rows_on_a_huge_diff() -> None:
    rnd = random.Random(3)
    a = _config(rnd, 16_700)
    b = _mutate(rnd, a, 1_000)
    rows = diff_lines(a, b).side_by_side()
    middle = rows[len(rows) // 2]
    assert middle.tag in {"equal", "fold", "replace", "insert", "delete"}
    first = rows.first_change()
    assert first is not None and rows[first].tag != "equal"


def test_intraline_spans_mark_only_what_changed_in_a_replaced_line() -> None:
    rows = diff_text(RUNNING, INTENDED).side_by_side()
    vlan = next(row for row in rows if row.left == " switchport access vlan 30")
    assert vlan.right == " switchport access vlan 40"
    left, right = rows.intraline(vlan)
    assert [vlan.left[s:e] for s, e in left] == ["3"]
    assert [vlan.right[s:e] for s, e in right] == ["4"]
    equal = next(row for row in rows if row.tag == "equal")
    assert rows.intraline(equal) == ([], [])


def test_a_changed_secret_shows_as_changed_but_masked() -> None:
    intended = RUNNING.replace("community Nm0nitor42 RO", "community Xy7secret9 RO")
    diff = diff_text(RUNNING, intended).masked()
    text = diff.unified()
    assert "Nm0nitor42" not in text and "Xy7secret9" not in text
    assert "-snmp-server community ********** RO" in text
    assert "+snmp-server community ********** RO" in text
    assert (diff.added, diff.removed) == (1, 1)
    for row in diff.side_by_side():
        assert "Nm0nitor42" not in f"{row.left}{row.right}"
