"""Each Metal-side rule: a kernel that triggers it and a close one that does not."""

from __future__ import annotations

import pytest

from metalsim.lint import KernelSpec, lint_kernel, rule


def _findings(source: str, *, inputs: tuple[str, ...] = ("x",), header: str = "",
              template: dict[str, str] | None = None) -> list[tuple[str, str]]:
    spec = KernelSpec("k", list(inputs), ["out"], source, header=header,
                      template={"T": "typename"} if template is None else template)
    notes: list[str] = []
    found = lint_kernel(spec, notes=notes)
    assert not notes, notes
    return [(f.rule, f.metal_location) for f in found]


CASES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # rule: (triggering source, clean source, inputs)
    "stack-array-dynamic-index": (
        """
        uint i = thread_position_in_grid.x;
        float v[4];
        for (int k = 0; k < 4; ++k) { v[k] = float(x[4 * i + k]); }
        out[i] = T(v[idx[i] & 3]);
        """,
        """
        uint i = thread_position_in_grid.x;
        float v[4];
        for (int k = 0; k < 4; ++k) { v[k] = float(x[4 * i + k]); }
        float best = v[0];
        for (int k = 1; k < 4; ++k) { best = metal::max(best, v[k]); }
        const float w[2] = {0.5f, 0.25f};
        out[i] = T(best * w[idx[i] & 1]);
        """,
        ("x", "idx"),
    ),
    "runtime-integer-division": (
        """
        uint i = thread_position_in_grid.x;
        for (uint k = 0; k < 4; ++k) { uint j = 4 * i + k; out[j] = x[j % cols]; }
        """,
        """
        uint i = thread_position_in_grid.x;
        uint c = (4 * i) % cols;  // once, outside the loop
        for (uint k = 0; k < 4; ++k) { out[4 * i + k] = x[c + k / 2 + k % N]; }
        out[i] = T(float(x[i]) / float(cols));
        """,
        ("x", "cols"),
    ),
    "double": (
        """
        uint i = thread_position_in_grid.x;
        double acc = double(x[i]);
        out[i] = T(acc);
        """,
        """
        uint i = thread_position_in_grid.x;
        float acc = float(x[i]);
        out[i] = T(acc);
        """,
        ("x",),
    ),
    "implicit-bfloat": (
        """
        uint i = thread_position_in_grid.x;
        out[i] = float(x[i]) * 2.0f;
        """,
        """
        uint i = thread_position_in_grid.x;
        out[i] = T(float(x[i]) * 2.0f);
        """,
        ("x",),
    ),
    "divergent-barrier": (
        """
        uint lid = thread_position_in_threadgroup.x;
        threadgroup float tile[64];
        tile[lid] = float(x[lid]);
        if (lid < 32) {
            threadgroup_barrier(mem_flags::mem_threadgroup);
        }
        out[lid] = T(tile[63 - lid]);
        """,
        """
        uint lid = thread_position_in_threadgroup.x;
        uint g = threadgroup_position_in_grid.x;
        threadgroup float tile[64];
        tile[lid] = float(x[lid]);
        for (uint s = 32; s > 0; s >>= 1) {
            if (lid < s) { tile[lid] += tile[lid + s]; }
            threadgroup_barrier(mem_flags::mem_threadgroup);
        }
        if (g > 3) {  // the same for every thread of a threadgroup
            simdgroup_barrier(mem_flags::mem_none);
        }
        out[lid] = T(tile[0]);
        """,
        ("x",),
    ),
}


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
