"""The one decision between the runtime's two ways of running a threadgroup: fibers or plain calls.

Plain calls run each thread of a threadgroup to completion, one after another: fast, and correct
for any kernel whose threads never wait for each other. A kernel that waits (a barrier, a SIMD-
group function, an atomic a spin-wait polls, or atomics on threadgroup memory that threads hand
values through) needs every thread of the group alive at once, so it runs as fibers
(ARCHITECTURE.md, Interface 3). The rewriter reports what it saw (``is_sync_call``);
``needs_fibers`` decides; the compiler records the answer in ``CompiledKernel.uses_sync``.
"""

from __future__ import annotations

import re

# Calls that need the threads of a threadgroup to run as fibers: barriers, and the atomics a
# spin-wait polls (a plain sequential call of each thread would never see the other's store).
SYNC_NAMES = frozenset(
    {
        "threadgroup_barrier",
        "simdgroup_barrier",
        "atomic_load_explicit",
        "atomic_exchange_explicit",
        "atomic_compare_exchange_weak_explicit",
    }
)
# SIMD-group and quad-group functions read the other lanes' values: all lanes must be running.
SYNC_PREFIXES = ("simd_", "quad_", "simdgroup_")

_ATOMIC = re.compile(r"\batomic")


def is_sync_call(name: str) -> bool:
    """Whether a call to ``name`` makes the threads of a threadgroup wait for each other."""
    return name in SYNC_NAMES or name.startswith(SYNC_PREFIXES)


def needs_fibers(*, has_sync_call: bool, uses_threadgroup_memory: bool, masked_source: str) -> bool:
    """Whether a kernel must run its threadgroups as fibers rather than as plain calls.

    ``has_sync_call``: the rewriter saw a call ``is_sync_call`` accepts;
    ``uses_threadgroup_memory``: it declares a ``threadgroup`` variable; ``masked_source``: the
    kernel text with comments and literals blanked (``metalsim.language.lexer.mask``), in
    which any ``atomic`` together with threadgroup memory may be a hand-off between threads.
    """
    if has_sync_call:
        return True
    return uses_threadgroup_memory and _ATOMIC.search(masked_source) is not None
