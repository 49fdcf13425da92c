"""Each Metal-side rule: a kernel that triggers it and a close one that does not."""

from __future__ import annotations

import pytest

from metal_guide.wwdc16_optimization.lint_examples import METAL_EXAMPLES
from metalsim.lint import KernelSpec, lint_kernel, rule


def _findings(source: str, *, inputs: tuple[str, ...] = ("x",), header: str = "",
              template: dict[str, str] | None = None) -> list[tuple[str, str]]:
    spec = KernelSpec("k", list(inputs), ["out"], source, header=header,
                      template={"T": "typename"} if template is None else template)
    notes: list[str] = []
    found = lint_kernel(spec, notes=notes)
    assert not notes, notes
    return [(f.rule, f.metal_location) for f in found]


CASES = METAL_EXAMPLES


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_triggers(rule_id: str) -> None:
    bad, _, inputs = CASES[rule_id]
    template = {"T": "typename", "N": "int"}
    found = _findings(bad, inputs=inputs, template=template)
    assert [r for r, _ in found] == [rule_id], found
    assert found[0][1].startswith("<source>:")


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_stays_quiet_on_correct_kernel(rule_id: str) -> None:
    _, good, inputs = CASES[rule_id]
    assert _findings(good, inputs=inputs, template={"T": "typename", "N": "int"}) == []


def test_early_return_before_barrier_is_reported() -> None:
    source = """
        uint i = thread_position_in_grid.x;
        if (i >= n) {
            return;
        }
        threadgroup float tile[32];
        tile[thread_position_in_threadgroup.x] = float(x[i]);
        threadgroup_barrier(mem_flags::mem_threadgroup);
        out[i] = T(tile[0]);
    """
    found = _findings(source, inputs=("x", "n"))
    assert found == [("divergent-barrier", "<source>:4:13")]


def test_findings_name_the_python_line_and_link_the_guide() -> None:
    spec = KernelSpec("k", ["x"], ["out"], "\nuint i = thread_position_in_grid.x;\n"
                      "double d = 1;\nout[i] = x[i];\n", path="mod.py", line=10,
                      source_line=12)
    (f,) = lint_kernel(spec)
    assert (f.path, f.line, f.metal_location) == ("mod.py", 14, "<source>:3:1")
    assert f.link == rule("double").link
    assert "#16-bit-types-and-no-double" in f.link


def test_helper_in_header_and_template_value_parse() -> None:
    header = "inline float twice(float v) { return 2.0f * v; }\n"
    source = """
        uint i = thread_position_in_grid.x;
        float acc[N];
        for (int k = 0; k < N; ++k) { acc[k] = twice(float(x[i])); }
        out[i] = T(acc[N - 1]);
    """
    assert _findings(source, header=header,
                     template={"T": "typename", "N": "int"}) == []
