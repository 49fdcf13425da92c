"""Implicit conversions to bfloat are compile errors, as in Metal.

MSL (section 2.22, reference/metal-gpu.md 6.9): "bfloat converts implicitly only to a higher-rank
float, and nothing converts implicitly to bfloat". The Metal compiler rejects
``out[i] = some_float;`` for a ``bfloat16_t`` output ("assigning to 'bfloat16_t' from
incompatible type 'float'", ml-explore/mlx-lm#814); clang's ``__bf16`` accepts it, so the
compiler turns clang's -Wimplicit-float-conversion about a ``__bf16`` target in the user's code
into an error. ``half`` converts implicitly in Metal and must stay accepted.
"""

from __future__ import annotations

import sys
import textwrap
import uuid

import mlx.core as mx
import numpy as np
import pytest
from metalsim_lang_helpers import from_bf16, generate, run, to_bf16

from metalsim import compiler, signature, toolchain
from metalsim.errors import MetalCompileError
from metalsim.language import checks

X = np.array([1.5, -2.25, 3.0, 0.1], np.float32)
INP = {"inp": (X, mx.float32)}
OUT_BF = {"out": ((4,), mx.bfloat16)}
OUT_HALF = {"out": ((4,), mx.float16)}
GRID = ((4, 1, 1), (4, 1, 1))


@pytest.fixture(params=["system", "zig"])
def compiler_kind(request, monkeypatch) -> str:
    """Each test runs with the system clang and with zig's clang (``python -m ziglang c++``)."""
    if request.param == "zig":
        pytest.importorskip("ziglang")
        monkeypatch.setenv("METALSIM_CXX", f"{sys.executable} -m ziglang c++")
        assert toolchain.find_toolchain().kind == "zig"
    else:
        monkeypatch.delenv("METALSIM_CXX", raising=False)
    return request.param


def _src(text: str) -> str:
    return textwrap.dedent(text).strip("\n") + "\n"


def compile_error(source: str, header: str = "", outputs=None, template=()) -> str:
    # A unique comment: errors are never cached, but keep each case independent of others.
    source = _src(source) + f"// {uuid.uuid4().hex}\n"
    gen = generate(source, INP, outputs or OUT_BF, header=_src(header) if header else "",
                   template=template)  # fmt: skip
    with pytest.raises(MetalCompileError) as ei:
        compiler.compile_kernel(gen.source, signature.entry_spec(gen))
    return str(ei.value)


def location(text: str, line_text: str, anchor: str) -> tuple[int, int]:
    """(line, column), 1-based, of ``anchor`` inside the line containing ``line_text``."""
    lines = _src(text).split("\n")
    for n, ln in enumerate(lines, 1):
        if line_text in ln:
            return n, ln.index(anchor, ln.index(line_text)) + 1
    raise AssertionError(f"{line_text!r} not in the text")


# (header, source, file, line containing the conversion, anchor = where clang points)
REJECTED = {
    "assignment of a float expression": (
        "",
        """
        uint i = thread_position_in_grid.x;
        out[i] = inp[i] * 2.0f;
        """,
        "<source>", "out[i] = inp[i] * 2.0f;", "*",
    ),
    "assignment of a float variable": (
        "",
        """
        uint i = thread_position_in_grid.x;
        float y = inp[i];
        out[i] = y;
        """,
        "<source>", "out[i] = y;", "y;",
    ),
    "initialisation": (
        "",
        """
        uint i = thread_position_in_grid.x;
        bfloat16_t b = inp[i] + 1.0f;
        out[i] = b;
        """,
        "<source>", "bfloat16_t b = ", "+",
    ),
    "return from a header function": (
        """
        bfloat16_t halve(float x) {
          return x * 0.5f;
        }
        """,
        """
        uint i = thread_position_in_grid.x;
        out[i] = halve(inp[i]);
        """,
        "<header>", "return x * 0.5f;", "*",
    ),
    "function argument": (
        """
        bfloat16_t twice(bfloat16_t v) {
          return v * bfloat16_t(2.0f);
        }
        """,
        """
        uint i = thread_position_in_grid.x;
        out[i] = twice(inp[i]);
        """,
        "<source>", "out[i] = twice(inp[i]);", "inp[i])",
    ),
    "splat into a bfloat vector": (
        "",
        """
        uint i = thread_position_in_grid.x;
        bfloat4 v = inp[i];
        out[i] = v.x;
        """,
        "<source>", "bfloat4 v = inp[i];", "inp[i]",
    ),
    "integer variable": (
        "",
        """
        uint i = thread_position_in_grid.x;
        int k = int(i);
        out[i] = k;
        """,
        "<source>", "out[i] = k;", "k;",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(REJECTED), ids=list(REJECTED))
def test_implicit_conversion_to_bfloat_is_rejected_at_its_location(case, compiler_kind) -> None:
    header, source, file, line_text, anchor = REJECTED[case]
    msg = compile_error(source, header)
    line, col = location(header if file == "<header>" else source, line_text, anchor)
    first = msg.splitlines()[0]
    assert first.startswith(f"{file}:{line}:{col}: error: implicit conversion from '"), msg
    assert "to 'bfloat16_t'" in first or "to 'bfloat4'" in first, msg
    assert "Metal has no implicit conversion to bfloat" in first, msg
    assert "static_cast<" in first, msg
    # The user's line and a caret under the column, like the other diagnostics.
    assert line_text in msg.splitlines()[1], msg
    assert msg.splitlines()[2].index("^") == msg.splitlines()[1].index(line_text) + (
        msg.splitlines()[1][msg.splitlines()[1].index(line_text) :].index(anchor)
    ), msg
    assert "warning" not in msg and "__bf16" not in msg, msg


def test_error_inside_a_header_template_is_reported_in_the_header(compiler_kind) -> None:
    header = """
    template <typename T>
    void put(device T *o, uint i, float v) {
      o[i] = v;
    }
    """
    msg = compile_error(
        """
        uint i = thread_position_in_grid.x;
        put(out, i, inp[i] * 2.0f);
        """,
        header,
    )
    line, col = location(header, "o[i] = v;", "v;")
    assert msg.startswith(f"<header>:{line}:{col}: error: implicit conversion from 'float' to "
                          "'bfloat"), msg  # fmt: skip
    assert "o[i] = v;" in msg.splitlines()[1]
    # The instantiation note still points at the call in the body.
    assert "<source>:2:" in msg and "requested here" in msg, msg


def test_explicit_conversions_to_bfloat_are_accepted(compiler_kind) -> None:
    out = run(
        _src("""
        uint i = thread_position_in_grid.x;
        float f = inp[i] * 2.0f;
        bfloat16_t a = bfloat16_t(f);
        bfloat16_t b = static_cast<bfloat16_t>(f);
        bfloat16_t c = (bfloat16_t)f;
        bfloat16_t d = bfloat(f);
        bfloat16_t e = T(f);
        bfloat4 v = bfloat4(float4(f));
        bfloat16_t zero = 0;            // integer literal: accepted (see ARCHITECTURE.md)
        float back = a;                 // bfloat -> float is implicit in Metal
        out[i] = (a == b && b == c && c == d && d == e && e == v.w && back == float(a))
                     ? bfloat16_t(back + float(zero)) : bfloat16_t(-1.0f);
        """),
        INP, OUT_BF, *GRID, template=[("T", mx.bfloat16)],
    )  # fmt: skip
    np.testing.assert_array_equal(out["out"], to_bf16(X * 2.0))
    assert np.all(from_bf16(out["out"]) != -1.0)


def test_implicit_conversion_to_half_stays_accepted(compiler_kind) -> None:
    out = run(
        _src("""
        uint i = thread_position_in_grid.x;
        half h = inp[i];
        h = h + inp[i];
        out[i] = inp[i] * 2.0f + float(h) - float(h);
        """),
        INP, OUT_HALF, *GRID,
    )  # fmt: skip
    np.testing.assert_array_equal(out["out"], (X * 2.0).astype(np.float16))


def test_other_narrowing_float_conversions_are_not_errors(compiler_kind) -> None:
    # -Wimplicit-float-conversion also reports int -> float, long -> float and double -> float
    # (the rewriter already rejects `double`, and unsuffixed literals are float: `* 0.5` is
    # `* 0.5f`; test_filter_keeps_only_user_bfloat_conversions covers double -> float). Only a
    # bfloat target is Metal's error.
    out = run(
        _src("""
        uint i = thread_position_in_grid.x;
        float a = inp[i];
        int k = int(i);
        long big = 3;
        float b = k + big;
        float c = inp[i] * 0.5;
        out[i] = (a + c) + (b - float(k) - 3.0f);
        """),
        INP, {"out": ((4,), mx.float32)}, *GRID,
    )  # fmt: skip
    np.testing.assert_array_equal(out["out"], X + X * np.float32(0.5))


def test_conversions_inside_the_preamble_are_not_the_users(compiler_kind) -> None:
    # MLX's ceildiv(T N, U M) returns (N + M - 1) / M, a float for T = bfloat16_t, U = float:
    # clang warns inside mlx/backend/metal/kernels/utils.h; that is not the user's code.
    out = run(
        _src("""
        uint i = thread_position_in_grid.x;
        out[i] = ceildiv(bfloat16_t(inp[i]), 2.0f);
        """),
        INP, OUT_BF, *GRID,
    )  # fmt: skip
    xb = from_bf16(to_bf16(X))
    np.testing.assert_array_equal(out["out"], to_bf16((xb + np.float32(1.0)) / np.float32(2.0)))


def test_filter_keeps_only_user_bfloat_conversions() -> None:
    w = "warning: implicit conversion loses floating-point precision:"
    stderr = "\n".join([
        "In file included from /tmp/k/kernel.cpp:1:",
        f"/cache/metalsim/mlx/backend/metal/kernels/utils.h:311:22: {w} 'float' to '__bf16' "
        "[-Wimplicit-float-conversion]",
        "<source>:4:10: note: in instantiation of function template specialization "
        "'ceildiv<__bf16, float>' requested here",
        f"/x/include/metalsim/metal_math.h:40:5: {w} 'float' to 'bfloat' (aka '__bf16') "
        "[-Wimplicit-float-conversion]",
        f"<signature>:3:7: {w} 'float' to 'bfloat16_t' (aka '__bf16') "
        "[-Wimplicit-float-conversion]",
        f"<source>:2:9: {w} 'float' to 'half' (aka '_Float16') [-Wimplicit-float-conversion]",
        "    2 |   h = f;",
        "      |     ^",
        f"<source>:3:9: {w} 'double' to 'float' [-Wimplicit-float-conversion]",
        "<source>:5:9: warning: implicit conversion when assigning computation result loses "
        "floating-point precision: 'float' to 'bfloat' (aka '__bf16') "
        "[-Wimplicit-float-conversion]",
        "<source>:6:9: warning: implicit conversion from 'int' to 'bfloat' (aka '__bf16') "
        "changes value from 257 to 256 [-Wimplicit-const-int-float-conversion]",
        "<source>:7:9: warning: unused variable 'q' [-Wunused-variable]",
        f"<header>:8:12: {w} 'metalsim::fp1_t<float>' (aka 'float') to 'bfloat16_t' "
        "(aka '__bf16') [-Wimplicit-float-conversion]",
        "<source>:9:3: note: in instantiation of function template specialization here",
        "<source>:10:14: warning: implicit conversion from 'int' to 'bfloat4' (vector of 4 "
        "'__bf16' values) may lose precision [-Wimplicit-int-float-conversion]",
        "8 warnings generated.",
    ])  # fmt: skip
    text, found = checks.filter_warnings(stderr)
    assert found == 2
    lines = [ln for ln in text.splitlines() if not ln.startswith("In file included from")]
    assert lines == [
        "<header>:8:12: error: implicit conversion from 'float' to 'bfloat16_t': Metal has no "
        "implicit conversion to bfloat; write bfloat16_t(x) or static_cast<bfloat16_t>(x)",
        "<source>:9:3: note: in instantiation of function template specialization here",
        "<source>:10:14: error: implicit conversion from 'int' to 'bfloat4': Metal has no "
        "implicit conversion to bfloat; write bfloat4(x) or static_cast<bfloat4>(x)",
    ]


# clang does not warn when a float constant converts to a value bfloat holds exactly, and checks
# each branch of `?:` on its own; a second pass over clang's AST (checks.ast_bf16_conversions)
# finds these. The ternary is the kernel of ml-explore/mlx-lm#814 ("assigning to 'bfloat16_t'
# (aka 'bfloat') from incompatible type 'float'").
CONSTANTS = {
    "exact float constant": ("out[i] = 0.0f;", "0.0f", "bfloat16_t"),
    "ternary with a constant branch (mlx-lm#814)": (
        "out[i] = (i & 1) ? inp[i] : -INFINITY;", "(i & 1)", "bfloat16_t",
    ),
    "initialisation from a constant": ("bfloat16_t z = 1.0f;\nout[i] = z;", "1.0f", "bfloat16_t"),
    "constant splat into a bfloat vector": (
        "bfloat4 v = 0.5f;\nout[i] = v.x;", "0.5f", "bfloat4",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CONSTANTS), ids=list(CONSTANTS))
def test_exact_float_constants_are_rejected(case, compiler_kind) -> None:
    line, anchor, to = CONSTANTS[case]
    source = f"uint i = thread_position_in_grid.x;\n{line}\n"
    gen = generate(source + f"// {uuid.uuid4().hex}\n", {"inp": (X, mx.bfloat16)}, OUT_BF)
    with pytest.raises(MetalCompileError) as ei:
        compiler.compile_kernel(gen.source, signature.entry_spec(gen))
    msg = str(ei.value)
    first_line = line.split("\n")[0]
    n, col = location(source, first_line, anchor)
    assert msg.splitlines()[0] == (
        f"<source>:{n}:{col}: error: implicit conversion from 'float' to '{to}': Metal has no "
        f"implicit conversion to bfloat; write {to}(x) or static_cast<{to}>(x)"
    ), msg
    assert msg.splitlines()[1] == f"    {first_line}", msg
    assert msg.splitlines()[2] == "    " + " " * (col - 1) + "^", msg
    assert msg.count("error:") == 1, msg


def test_constant_inside_a_header_template_is_reported_in_the_header(compiler_kind) -> None:
    header = """
    template <typename T>
    void clear(device T *o, uint i) {
      o[i] = 0.0f;
    }
    """
    msg = compile_error("uint i = thread_position_in_grid.x;\nclear(out, i);\n", header)
    line, col = location(header, "o[i] = 0.0f;", "0.0f")
    assert msg.startswith(f"<header>:{line}:{col}: error: implicit conversion from 'float' to "
                          "'bfloat"), msg  # fmt: skip
    assert msg.count("error:") == 1, msg


def test_a_conversion_both_passes_see_is_reported_once(compiler_kind) -> None:
    # The warning (loss of precision) and the AST pass both see `inp[i] * 2.0f`.
    msg = compile_error("""
        uint i = thread_position_in_grid.x;
        out[i] = inp[i] * 2.0f;
        out[i] = 0.0f;
        """)
    assert msg.count("error:") == 2, msg
    assert "<source>:2:" in msg and "<source>:3:10:" in msg, msg


def test_explicit_casts_of_constants_to_bfloat_are_accepted(compiler_kind) -> None:
    out = run(
        _src("""
        uint i = thread_position_in_grid.x;
        bfloat16_t a = bfloat16_t(0.0f);
        bfloat16_t b = static_cast<T>(-INFINITY);
        bfloat16_t c = (bfloat16_t)1.0f;
        bfloat4 v = bfloat4(0.5f);
        bfloat16_t z = 0;               // integer constant: accepted (see ARCHITECTURE.md)
        out[i] = (i & 1) ? a + c + v.x + z : b;
        """),
        INP, OUT_BF, *GRID, template=[("T", mx.bfloat16)],
    )  # fmt: skip
    np.testing.assert_array_equal(
        out["out"], to_bf16(np.array([-np.inf, 1.5, -np.inf, 1.5], np.float32))
    )


def test_kernels_without_bfloat_skip_the_ast_pass(monkeypatch) -> None:
    calls = []
    real = checks.ast_bf16_conversions

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(compiler, "ast_bf16_conversions", spy)
    tag = f"// {uuid.uuid4().hex}\n"  # a fresh source: not served from the compile cache
    out = run(
        _src("""
        uint i = thread_position_in_grid.x;
        out[i] = inp[i] * 2.0f;
        """) + tag,
        INP, {"out": ((4,), mx.float32)}, *GRID,
    )  # fmt: skip
    np.testing.assert_array_equal(out["out"], X * 2.0)
    assert calls == []
    # A bfloat kernel does run it.
    run(_src("""
        uint i = thread_position_in_grid.x;
        out[i] = bfloat16_t(inp[i]);
        """) + tag, INP, OUT_BF, *GRID)  # fmt: skip
    assert len(calls) == 1
