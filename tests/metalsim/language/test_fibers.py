"""The one decision between fibers and plain calls (metalsim.language.fibers), and that the
compiler's ``uses_sync`` is that decision."""

from __future__ import annotations

import uuid

import mlx.core as mx
import numpy as np
import pytest
from metalsim_lang_helpers import generate

from metalsim import compiler, signature
from metalsim.language import fibers
from metalsim.language.lexer import mask
from metalsim.language.rewriter import rewrite


@pytest.mark.parametrize(
    ("name", "sync"),
    [
        ("threadgroup_barrier", True),
        ("simdgroup_barrier", True),
        ("simd_sum", True),
        ("quad_shuffle", True),
        ("simdgroup_multiply_accumulate", True),
        ("atomic_load_explicit", True),
        ("atomic_compare_exchange_weak_explicit", True),
        ("atomic_fetch_add_explicit", False),
        ("fma", False),
        ("my_simd_helper", False),
    ],
)
def test_is_sync_call(name: str, sync: bool) -> None:
    assert fibers.is_sync_call(name) is sync


@pytest.mark.parametrize(
    ("body", "want"),
    [
        ("out[i] = x[i];", False),
        ("threadgroup_barrier(mem_flags::mem_threadgroup);", True),
        # threadgroup memory alone: each thread runs to completion, plain calls are correct
        ("threadgroup float t[4]; t[0] = 1.0f;", False),
        # threadgroup atomics can hand values between threads: fibers
        ("threadgroup atomic_int c[1]; atomic_fetch_add_explicit(&c[0], 1, memory_order_relaxed);",
         True),
        # an atomic on device memory without threadgroup memory: plain calls
        ("atomic_fetch_add_explicit(&f[0], 1, memory_order_relaxed);", False),
        # the word atomic in a comment does not count
        ("threadgroup float t[4]; // atomic\n t[0] = 1.0f;", False),
    ],
)  # fmt: skip
def test_needs_fibers(body: str, want: bool) -> None:
    text = f"void k() {{ {body} }}"
    rw = rewrite(text)
    got = fibers.needs_fibers(
        has_sync_call=rw.uses_sync,
        uses_threadgroup_memory=rw.uses_threadgroup_memory,
        masked_source=mask(text),
    )
    assert got is want


X = {"inp": (np.zeros(16, np.float32), mx.float32)}
OUT = {"out": ((16,), mx.float32)}


@pytest.mark.parametrize(
    ("body", "want"),
    [
        ("uint i = thread_position_in_grid.x; out[i] = inp[i];", False),
        ("threadgroup atomic_uint c[1]; atomic_fetch_add_explicit(&c[0], 1u, "
         "memory_order_relaxed); uint i = thread_position_in_grid.x; out[i] = inp[i];", True),
    ],
)  # fmt: skip
def test_compiled_kernel_carries_the_decision(body: str, want: bool) -> None:
    gen = generate(body + f"\n// {uuid.uuid4()}\n", X, OUT)
    ck = compiler.compile_kernel(gen.source, signature.entry_spec(gen))
    assert ck.uses_sync is want
