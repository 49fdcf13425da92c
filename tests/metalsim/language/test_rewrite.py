"""Unit tests of the MSL -> host C++ rewriter (no compiler needed)."""

from __future__ import annotations

import re

import pytest

from metalsim.language.lexer import mask
from metalsim.language.rewriter import MAKE, RewriteError, rewrite


def rw(src: str) -> str:
    return rewrite(src).text


def squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


# ------------------------------------------------------------------ masking


def test_mask_blanks_comments_strings_and_directives_keeping_layout() -> None:
    src = 'a = "x(y)"; // float4(c)\n/* threadgroup\n x */ b = \'c\';\n#define F float4(x)\nd'
    m = mask(src)
    assert len(m) == len(src)
    assert m.count("\n") == src.count("\n")
    assert "float4" not in m and "threadgroup" not in m and "x(y)" not in m
    assert m.rstrip().endswith("d")


def test_digit_separator_is_not_a_char_literal() -> None:
    assert MAKE in rw("int n = 1'000; float4 v = float4(n);")


# ------------------------------------------------------------------ attributes


def test_attributes_are_blanked_with_same_length() -> None:
    src = "[[kernel]] void k(device float* a [[buffer(0)]], uint3 t [[thread_position_in_grid]]) {}"
    out = rw(src)
    assert "[[" not in out and "buffer(0)" not in out
    assert len(out) == len(src)
    assert out.index("void") == src.index("void")


def test_instantiation_line_keeps_explicit_instantiation() -> None:
    src = 'template [[host_name("k")]] [[kernel]] decltype(k<float>) k<float>;'
    assert squash(rw(src)) == "template decltype(k<float>) k<float>;"


# ------------------------------------------------------------------ threadgroup


def test_threadgroup_array_becomes_arena_reference() -> None:
    out = rw("void k() {\n  threadgroup float buf[32];\n}")
    assert "auto &buf = ::metalsim::tg_var<float[32]>(1, 0, 21);" in out


def test_threadgroup_multiple_and_nd_declarators() -> None:
    res = rewrite("void k() { threadgroup float a[16][17], b, c[4]; }")
    out = res.text
    assert "auto &a = ::metalsim::tg_var<float[16][17]>(1," in out
    assert "auto &b = ::metalsim::tg_var<float>(2," in out
    assert "auto &c = ::metalsim::tg_var<float[4]>(3," in out
    assert res.next_site == 4
    assert res.uses_threadgroup_memory


def test_threadgroup_alignas_volatile_atomic_and_template_types() -> None:
    out = rw(
        "void k() { alignas(16) threadgroup volatile int f[4];\n"
        " threadgroup atomic_uint n; threadgroup metal::atomic<int> m;\n"
        " threadgroup T vals[N * 2]; threadgroup alignas(8) half h[3]; }"
    )
    assert "tg_var<volatile int[4]>(1, (16)," in out
    assert "tg_var<atomic_uint>(2, 0," in out
    assert "tg_var<metal::atomic<int>>(3, 0," in out
    assert "tg_var<T[N * 2]>(4, 0," in out
    assert "tg_var<half[3]>(5, (8)," in out


@pytest.mark.parametrize(
    "src",
    [
        "void f(threadgroup float* p) {}",
        "void f(const threadgroup float* p, threadgroup int& r) {}",
        "void k() { threadgroup float* p = buf; }",
        "void k() { threadgroup float& r = buf[0]; }",
        "void k() { auto p = (threadgroup float*)q; }",
        "void k() { auto p = reinterpret_cast<threadgroup float*>(q); }",
        "struct S { void f() threadgroup {} int g() const threadgroup { return 0; } };",
    ],
)
def test_threadgroup_as_pointee_qualifier_is_left_for_the_macro(src: str) -> None:
    assert rw(src) == src


def test_threadgroup_statement_spanning_lines_keeps_line_count() -> None:
    src = "void k() {\n  threadgroup float a[4],\n      b[8];\n  int x;\n}"
    out = rw(src)
    assert out.count("\n") == src.count("\n")
    assert out.split("\n")[4] == "}"


@pytest.mark.parametrize(
    "decl",
    ["threadgroup float x = 0;", "threadgroup float x = f(1);", "threadgroup S x(1);",
     "threadgroup float x{};", "threadgroup float a[2], b = 1;"],
)  # fmt: skip
def test_threadgroup_initializer_is_rejected(decl: str) -> None:
    src = "void k() {\n  " + decl + "\n}"
    with pytest.raises(RewriteError, match="initializers") as ei:
        rewrite(src)
    assert src[ei.value.pos] in "=({"


def test_threadgroup_template_type_with_pointer_argument() -> None:
    out = rw("void k() { threadgroup Pair<int*, float> p[2]; }")
    assert "tg_var<Pair<int*, float>[2]>(1," in out


# ------------------------------------------------------------------ vectors and casts


@pytest.mark.parametrize(
    ("src", "expect"),
    [
        ("float4(v.xy, 0, 1)", f"{MAKE}<float4>(v.xy, 0, 1)"),
        ("half4(x)", f"{MAKE}<half4>(x)"),
        ("metal::float2(a, b)", f"{MAKE}<float2>(a, b)"),
        ("vec<float, 4>(i4)", f"{MAKE}<vec<float, 4> >(i4)"),
        ("static_cast<float4>(i4)", f"{MAKE}<float4>(i4)"),
        ("static_cast<bfloat>(h)", f"{MAKE}<bfloat>(h)"),
        ("bfloat16_t(x)", f"{MAKE}<bfloat16_t>(x)"),
        ("(float4)i4", f"{MAKE}<float4>(i4)"),
        ("a * (float4)b.xyzw + c", f"a * {MAKE}<float4>(b.xyzw) + c"),
        ("(float4)-x[i] * 2", f"{MAKE}<float4>(-x[i]) * 2"),
        ("(float4)(x + y)", f"{MAKE}<float4>((x + y))"),
        ("(half4)f(a, b).x", f"{MAKE}<half4>(f(a, b).x)"),
        ("(float4)(int4)x", f"{MAKE}<float4>({MAKE}<int4>(x))"),
    ],
)
def test_vector_constructors_and_casts(src: str, expect: str) -> None:
    assert rw(f"auto r = {src};") == f"auto r = {expect};"


@pytest.mark.parametrize(
    "src",
    [
        "auto n = sizeof(float4) * 2;",
        "struct S { operator float4() const; };",
        "float4 f(float4 x);",
        "auto p = (float)x;",
        "auto u = (uint)x + float(y);",
        'const char* s = "float4(x)"; // float4(y)',
        "float4 v = {1, 2, 3, 4};",
        "auto x = v.float4(1);",
    ],
)
def test_things_that_are_not_vector_conversions(src: str) -> None:
    assert rw(src) == src


def test_aliases_and_template_parameters_are_converted() -> None:
    out = rw(
        "typedef float4 vec4; using V2 = vec<half, 2>; typedef vec4 again;\n"
        "template <typename T, int N, class U> T f(U u) { return T(u) + vec4(1) + V2(u).x"
        " + again(u) + (T)u; }"
    )
    for name in ("T", "vec4", "V2", "again"):
        assert f"{MAKE}<{name}>(" in out
    assert f"{MAKE}<T>(u)" in out
    assert f"{MAKE}<N>" not in out


@pytest.mark.parametrize(
    ("src", "expect"),
    [
        ("float4(x > y)", f"{MAKE}<float4>(::metalsim::as_bool(x > y))"),
        ("int4(a == b && c)", f"{MAKE}<int4>(::metalsim::as_bool(a == b && c))"),
        ("(float4)(x < 0.0f)", f"{MAKE}<float4>((::metalsim::as_bool(x < 0.0f)))"),
        ("float4(a > b ? c : d)", f"{MAKE}<float4>(a > b ? c : d)"),
        ("float4(vec<int, 4>(1))", f"{MAKE}<float4>({MAKE}<vec<int, 4> >(1))"),
        ("float4(x, y > 0, 1, 2)", f"{MAKE}<float4>(x, y > 0, 1, 2)"),
    ],
)
def test_comparison_masks_converted_as_bool_vectors(src: str, expect: str) -> None:
    assert rw(f"auto r = {src};") == f"auto r = {expect};"


def test_direct_initialisation_of_vectors_in_functions() -> None:
    out = rw("void k() { float4 v(a, b, c, d); const half2 h(x); T t(1); }")
    assert f"float4 v = {MAKE}<float4>(a, b, c, d);" in out
    assert f"half2 h = {MAKE}<half2>(x);" in out
    assert "T t(1);" in out  # T is not a known type here
    out = rw("template <typename T> void k() { T t(1); }")
    assert f"T t = {MAKE}<T>(1);" in out
    decl = "float4 f(float4 x);"
    assert rw(decl) == decl  # a declaration at namespace scope is left alone


# ------------------------------------------------------------------ literals


@pytest.mark.parametrize(
    ("src", "expect"),
    [
        ("0.5h", "0.5f16"),
        ("1h", "1.0f16"),
        ("2.5e3H", "2.5e3f16"),
        ("1.0bf", "((bfloat)1.0)"),
        (".25bf", "((bfloat).25)"),
        ("0x1bf", "0x1bf"),
        ("1.0f", "1.0f"),
        ("3u", "3u"),
        ("0.1", "0.1f"),
        ("2.", "2.f"),
        (".5", ".5f"),
        ("1e-5", "1e-5f"),
        ("1.5e+3", "1.5e+3f"),
        ("42", "42"),
        ("0x1p-3", "0x1p-3"),
    ],
)
def test_literal_suffixes(src: str, expect: str) -> None:
    assert rw(f"x = {src};") == f"x = {expect};"


# ------------------------------------------------------------------ rejections


@pytest.mark.parametrize(
    ("src", "word"),
    [
        ("void k() { double x; }", "double"),
        ("void k() { goto end; end: ; }", "goto"),
        ("void k() { try { } catch (...) { } }", "try"),
        ("void k() { throw 1; }", "throw"),
        ("void k() { int* p = new int; }", "new"),
        ("void k(int* p) { delete p; }", "delete"),
        ("struct S { virtual void f(); };", "virtual"),
        ("thread_local int x;", "thread_local"),
        ("void k() { register int x; }", "register"),
        ("void k() { long long x; }", "long long"),
        ("void k() { long double x; }", "long double"),
        ("void k() { auto& t = typeid(int); }", "typeid"),
        ("void k() { static int counter; }", "static local"),
        ("void k() { for (;;) { static float c[2]; } }", "static local"),
    ],
)
def test_rejections(src: str, word: str) -> None:
    with pytest.raises(RewriteError) as ei:
        rewrite(src)
    assert word.split()[0] in ei.value.message or "static local" in ei.value.message
    assert src[ei.value.pos :].split()[0].split("(")[0] in word.replace(" local", "")


@pytest.mark.parametrize(
    "src",
    [
        "static constant constexpr int K = 4;",
        "struct S { static constexpr int n = 3; static int f(); };",
        "struct S { S(const S&) = delete; };",
        "void k() { auto f = [](int x) { return x + 1; }; }",
        "void k() { static constexpr int N = 4; static constant float w[2] = {1, 2}; }",
    ],
)
def test_allowed_constructs(src: str) -> None:
    # `constant` becomes `const` (padded to keep columns); nothing else changes.
    assert rewrite(src).text == src.replace("constant", "const   ")


@pytest.mark.parametrize(
    ("src", "want"),
    [
        ("constant uint TILE = 64;", "const    uint TILE = 64;"),
        ("float f(const constant float& x);", "float f(const const    float& x);"),
        ("auto p = (constant float4*)w;", "auto p = (const    float4*)w;"),
        # after `)`, an address-space qualifier of a member function: left to the keyword macro
        ("struct S { int get() constant { return 1; } };",
         "struct S { int get() constant { return 1; } };"),
    ],
)  # fmt: skip
def test_constant_becomes_const_except_as_member_qualifier(src: str, want: str) -> None:
    assert rewrite(src).text == want


def test_rejection_checks_can_be_disabled_for_mlx_preamble() -> None:
    assert rewrite("void f() { static int x; }", check=False).text


# ------------------------------------------------------------------ sync detection, mapping


@pytest.mark.parametrize(
    ("src", "sync"),
    [
        ("out[i] = x[i];", False),
        ("threadgroup_barrier(mem_flags::mem_threadgroup);", True),
        ("float s = simd_sum(x);", True),
        ("float s = quad_shuffle(x, 1);", True),
        ("// simd_sum(x) in a comment", False),
        ("while (atomic_load_explicit(&f[0], memory_order_relaxed) == 0) {}", True),
        ("atomic_fetch_add_explicit(&f[0], 1, memory_order_relaxed);", False),
    ],
)
def test_uses_sync(src: str, sync: bool) -> None:
    assert rewrite(f"void k() {{ {src} }}").uses_sync is sync


def test_output_offsets_map_back_to_input() -> None:
    src = "auto a = float4(x);\nint bad = y;"
    res = rewrite(src)
    out_pos = res.text.index("bad")
    assert res.to_input(out_pos) == src.index("bad")
    assert res.to_input(res.text.index("(x)") + 1) == src.index("(x)") + 1


def test_metal_fp_pragmas_become_clang_pragmas() -> None:
    out = rw("#pragma METAL fp contract(off)\n#pragma METAL fp math_mode(safe)\nint x;")
    assert "#pragma clang fp contract(off)" in out
    assert "#pragma float_control(precise, on)" in out


def test_unreadable_threadgroup_declaration_is_an_error_not_per_thread() -> None:
    with pytest.raises(RewriteError, match="cannot read this threadgroup declaration"):
        rewrite("void k() { threadgroup float; }")
