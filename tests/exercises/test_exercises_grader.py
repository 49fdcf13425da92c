"""The exercise track: every solution passes the grader, every stub fails cleanly, and a
deliberately broken solution of each exercise fails in the class the grader promises."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from metal_guide.exercises import all_exercises, get_exercise
from metal_guide.exercises.grader import HINTS, grade

EXERCISES = all_exercises()
NUMBERS = [ex.number for ex in EXERCISES]

# One planted bug per exercise: (text of the solution, its replacement, expected failure class).
BROKEN = {
    1: ("x[i] + 10.0f", "x[i] + 1.0f", "wrong values"),
    2: ("a[i] + b[i]", "a[i] - b[i]", "wrong values"),
    3: ("if (i < uint(x_shape[0])) {", "{", "out-of-bounds write"),
    4: ("= x[r * cols + c]", "= x[c * rows + r]", "wrong values"),
    5: ("thread_position_in_grid", "thread_position_in_threadgroup", "unwritten output"),
    6: ("float(group)", "float(thread_position_in_threadgroup.x)", "wrong values"),
    7: ("threadgroup_barrier(mem_flags::mem_threadgroup);", "", "race"),
    8: ("int j = start - 2 + int(t);", "int j = -1;", "wrong values"),
    9: ("        threadgroup_barrier(mem_flags::mem_threadgroup);  // outside the if: all threads\n"
        "        if (t < stride) {\n",
        "        if (t < stride) {\n"
        "            threadgroup_barrier(mem_flags::mem_threadgroup);\n",
        "divergent barrier"),
    10: ("    if (i < n) {\n        float acc", "    {\n        float acc", "out-of-bounds write"),
    11: ("threadgroup_barrier(mem_flags::mem_threadgroup);  // everyone has read", "", "race"),
    12: ("    float sum = 0.0f;",
         "    if (t >= cols) {\n        return;\n    }\n    float sum = 0.0f;",
         "divergent barrier"),
    13: ("threadgroup_barrier(mem_flags::mem_threadgroup);  // tiles used up", "", "race"),
    14: ("    threadgroup_barrier(mem_flags::mem_threadgroup);\n", "", "race"),
    15: ("left = (i > 0 && i - 1 < n) ? x[i - 1] : 0.0f;", "", "wrong values"),
    16: ("b + k * N + col0, N);", "b + k * N + col0, 8);", "wrong values"),
}


def solution_body(number: int) -> str:
    ex = get_exercise(number)
    module = importlib.import_module(
        f"metal_guide.exercises.solutions.ex{number:02d}_{ex.slug}"
    )
    return module.BODY


def test_numbers_are_contiguous_and_track_is_complete():
    assert NUMBERS == list(range(1, len(NUMBERS) + 1))
    assert len(NUMBERS) >= 14
    assert set(BROKEN) == set(NUMBERS), "every exercise needs a planted bug"


@pytest.mark.metal
@pytest.mark.parametrize("number", NUMBERS)
def test_solution_passes(number: int) -> None:
    report = grade(get_exercise(number), solution_body(number))
    assert report.passed, str(report)
    assert len(report.results) == len(get_exercise(number).sizes)


@pytest.mark.parametrize("number", NUMBERS)
def test_stub_fails_cleanly(number: int) -> None:
    ex = get_exercise(number)
    report = grade(ex, ex.stub, ex.header_stub)
    assert not report.passed
    assert report.failures == ["not implemented"]
    assert "not implemented yet" in str(report)


@pytest.mark.metal
@pytest.mark.parametrize("number", NUMBERS)
def test_planted_bug_is_caught(number: int) -> None:
    old, new, expected = BROKEN[number]
    body = solution_body(number)
    assert old in body, f"exercise {number}: the planted bug no longer matches the solution"
    report = grade(get_exercise(number), body.replace(old, new, 1))
    assert not report.passed
    assert report.failures[0] == expected, str(report)
    assert HINTS[expected] in str(report)


def test_exercise_sizes_leave_a_partial_threadgroup() -> None:
    """At least one graded size per exercise does not fill its last threadgroup."""
    for ex in EXERCISES:
        if "simdgroup_matrix" in ex.needs:
            continue  # 8 x 8 fragments: its sizes are multiples of 8 by definition
        partial = False
        for size in ex.sizes:
            inputs = ex.make_inputs(size)
            launch = ex.launch(**inputs)
            out = ex.spec(**inputs)
            grid, group = launch["grid"], launch["threadgroup"]
            threads = grid[0] * grid[1] * grid[2]
            partial |= any(g % t for g, t in zip(grid, group, strict=True)) or threads > out.size
        assert partial, f"exercise {ex.number}: no size exercises a partial group or surplus"


def run_cli(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metal_guide.exercises", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def test_cli_list() -> None:
    result = run_cli("list")
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == len(EXERCISES)
    assert "Map: add ten" in result.stdout


def test_cli_start_then_check_the_stub(tmp_path) -> None:
    path = tmp_path / "my_map.py"
    assert run_cli("start", "1", str(path)).returncode == 0
    assert "not implemented yet" in path.read_text()
    result = run_cli("check", "1", str(path))
    assert result.returncode == 1
    assert "not implemented" in result.stdout and "Hints:" in result.stdout
    assert run_cli("start", "1", str(path)).returncode == 2  # never overwrites


@pytest.mark.metal
def test_cli_check_a_solution_as_a_reader_would(tmp_path) -> None:
    path = tmp_path / "my_zip.py"
    path.write_text(f'BODY = """{solution_body(2)}"""\n')
    # The reader's shell: metalsim swaps itself in (python -m metalsim run) on Linux.
    result = subprocess.run(
        [sys.executable, "-m", "metal_guide.exercises", "check", "2", str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All 4 cases passed." in result.stdout


def test_cli_usage_errors(tmp_path) -> None:
    assert run_cli("check", "99", str(tmp_path / "x.py")).returncode == 2
    assert run_cli("check", "1", str(tmp_path / "missing.py")).returncode == 2
    bad = tmp_path / "bad.py"
    bad.write_text("BODY = 3\n")
    assert run_cli("check", "1", str(bad)).returncode == 2
