"""Each call-side rule: a file that triggers it and a close one that does not; suppressions."""

from __future__ import annotations

import textwrap

import pytest

from metal_guide.wwdc16_optimization.lint_examples import PYTHON_EXAMPLES, PYTHON_HEAD
from metalsim.lint import lint_source

HEAD = PYTHON_HEAD

CASES = PYTHON_EXAMPLES


def _lint(body: str):  # type: ignore[no-untyped-def]
    return lint_source("case.py", HEAD + textwrap.dedent(body))


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_triggers(rule_id: str) -> None:
    report = _lint(CASES[rule_id][0])
    assert {f.rule for f in report.findings} == {rule_id}, report.findings
    assert all(f.path == "case.py" and f.line > 5 for f in report.findings)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_stays_quiet_on_correct_code(rule_id: str) -> None:
    report = _lint(CASES[rule_id][1])
    assert report.findings == [], report.findings


def test_threadgroup_size_reports_both_problems() -> None:
    messages = [f.message for f in _lint(CASES["threadgroup-size"][0]).findings]
    assert len(messages) == 2
    assert "48 threads" in messages[0] and "multiple of the SIMD-group" in messages[0]
    assert "2048 threads" in messages[1] and "1024-thread limit" in messages[1]


def test_kernel_built_in_a_function_called_in_a_loop() -> None:
    body = """
    def make():
        return mx.fast.metal_kernel(name="k", input_names=["x"], output_names=["out"],
                                    source=SRC)
    for _ in range(3):
        make()
    """
    assert [f.rule for f in _lint(body).findings] == ["kernel-built-per-call"]


def test_justified_suppression_silences_and_is_reported() -> None:
    bad = CASES["kernel-built-per-call"][0].replace(
        'input_names=["x"],', 'input_names=["x"],  # metalsim-lint: disable='
        "kernel-built-per-call -- shows the mistake", 1)
    report = _lint(bad)
    assert report.findings == []
    assert [(f.rule, why) for f, why in report.suppressed] == [
        ("kernel-built-per-call", "shows the mistake")]


def test_suppression_without_reason_is_ignored() -> None:
    bad = CASES["kernel-built-per-call"][0].replace(
        'input_names=["x"],', 'input_names=["x"],  # metalsim-lint: disable='
        "kernel-built-per-call", 1)
    report = _lint(bad)
    assert [f.rule for f in report.findings] == ["kernel-built-per-call"]
    assert any("give the reason" in n for n in report.notes)


def test_metal_finding_maps_to_the_line_in_the_python_string() -> None:
    text = HEAD + 'K = mx.fast.metal_kernel(name="k", input_names=["x"],\n' \
        '    output_names=["out"], source="""\n' \
        '    uint i = thread_position_in_grid.x;\n' \
        '    double d = 2;\n' \
        '    out[i] = x[i];\n""")\n'
    report = lint_source("m.py", text)
    (f,) = report.findings
    double_line = text.splitlines().index("    double d = 2;") + 1
    assert (f.rule, f.line) == ("double", double_line)


def test_bfloat_check_respects_fixed_output_dtypes() -> None:
    """A float32 output written from float is fine; the same kernel with outputs that follow
    the input dtype is reported for bfloat."""
    kernel = '''
K = mx.fast.metal_kernel(name="k", input_names=["x"], output_names=["out"], source="""
    uint i = thread_position_in_grid.x;
    T two = T(2.0f);
    out[i] = float(x[i]) * float(two);
""")
def f(x):
    return K(inputs=[x], template=[("T", x.dtype)], grid=(x.size, 1, 1),
             threadgroup=(256, 1, 1), output_shapes=[x.shape], output_dtypes=[DTYPE])[0]
'''
    fixed = lint_source("f.py", HEAD + kernel.replace("DTYPE", "mx.float32"))
    assert fixed.findings == [], fixed.findings
    follows = lint_source("g.py", HEAD + kernel.replace("DTYPE", "x.dtype"))
    assert [f.rule for f in follows.findings] == ["implicit-bfloat"]
