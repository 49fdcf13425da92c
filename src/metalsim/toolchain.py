"""Find the C++ compiler metalsim builds kernels (and its runtime) with.

Order of preference:

1. ``$METALSIM_CXX`` (a command line, e.g. ``clang++-19`` or ``python -m ziglang c++``);
2. a system clang >= 17 on ``PATH`` (``clang++-22`` ... ``clang++-17``, then ``clang++``);
3. the clang inside the ``ziglang`` PyPI wheel (root-free; clang 22, no AddressSanitizer runtime).

AddressSanitizer mode (``sanitize=True``) needs a system clang plus its compiler-rt ASan runtime
(Debian: ``clang-19 libclang-rt-19-dev``). GCC and clang < 17 are refused: GCC silently ignores
``ext_vector_type`` (so ``float4`` would become ``float``), and bfloat support needs clang 17.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from metalsim import config
from metalsim.config import MATH_MODES, cache_root
from metalsim.errors import ToolchainError

MIN_CLANG = 17

# Flags every metalsim compile needs, whatever the compiler:
# - C++20 (MLX's preamble and our headers use it);
# - no excess precision for _Float16/__bf16, so half and bfloat round after every operation as on
#   the GPU instead of evaluating whole expressions in float.
_COMMON_FLAGS = (
    "-std=c++20",
    "-fPIC",
    "-Xclang",
    "-ffloat16-excess-precision=none",
    "-Xclang",
    "-fbfloat16-excess-precision=none",
)

# Host equivalents of Metal's math modes (MSL4 section 1.6.3).
#   safe:    no value-changing transformations; we also forbid FMA contraction so results are
#            reproducible and error-free transformations (2Sum, TwoProd) survive.
#   relaxed: fast-math but Inf/NaN are honoured.
#   fast:    full fast-math (no NaN/Inf, no signed zeros, reassociation, contraction).
_MATH_FLAGS: dict[str, tuple[str, ...]] = {
    "safe": ("-ffp-contract=off", "-fno-fast-math"),
    "relaxed": ("-ffast-math", "-fhonor-nans", "-fhonor-infinities", "-ffp-contract=fast"),
    "fast": ("-ffast-math", "-ffp-contract=fast"),
}

_SANITIZE_FLAGS = ("-fsanitize=address", "-fno-omit-frame-pointer", "-shared-libasan", "-g")


@dataclass(frozen=True)
class Toolchain:
    """A usable clang. ``cxx`` is the command prefix (may be several words, e.g. zig's)."""

    cxx: list[str]
    version: tuple[int, int, int]
    version_string: str  # first line of ``--version``
    kind: str  # "clang" (system) or "zig"
    sanitize: bool = False
    # Extra link flags this toolchain needs (compiler-rt builtins for bfloat conversions on Debian).
    link_flags: tuple[str, ...] = field(default=())
    asan_runtime: str | None = None  # path of the ASan shared runtime (LD_PRELOAD it), if sanitize

    def flags(
        self,
        *,
        math_mode: str = "safe",
        optimize: str = "-O2",
        shared: bool = True,
        sanitize: bool | None = None,
    ) -> list[str]:
        """Compile (and link, if ``shared``) flags: common + math mode + sanitizer + link flags."""
        if math_mode not in _MATH_FLAGS:
            raise ValueError(f"math_mode must be one of {MATH_MODES}, got {math_mode!r}")
        san = self.sanitize if sanitize is None else sanitize
        if san and not self.sanitize:
            raise ToolchainError(
                "this toolchain was found without sanitize=True; "
                "call find_toolchain(sanitize=True)"
            )
        out = [*_COMMON_FLAGS, optimize, *_MATH_FLAGS[math_mode]]
        if san:
            out += _SANITIZE_FLAGS
        if shared:
            out += ["-shared", *self.link_flags]
        return out

    def compile_flags(self, *, math_mode: str = "safe", optimize: str = "-O2") -> list[str]:
        """Flags for a compile-only step (``-c``, ``-E``, precompiled header): no link flags."""
        return self.flags(math_mode=math_mode, optimize=optimize, shared=False)

    @property
    def identity(self) -> str:
        """A string that changes whenever the compiler's output could change (for cache keys)."""
        return f"{self.kind}|{' '.join(self.cxx)}|{self.version_string}|san={self.sanitize}"


_VERSION_RE = re.compile(r"clang version (\d+)\.(\d+)\.(\d+)")


def _probe(cmd: list[str]) -> tuple[tuple[int, int, int], str]:
    """Run ``cmd --version``; return (version, first line) or raise ToolchainError."""
    try:
        res = subprocess.run(
            [*cmd, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolchainError(f"cannot run {shlex.join(cmd)!r}: {exc}") from exc
    text = res.stdout + res.stderr
    first = text.strip().splitlines()[0] if text.strip() else ""
    m = _VERSION_RE.search(text)
    if res.returncode != 0 or m is None:
        low = text.lower()
        if "gcc" in low or "g++" in low or "free software foundation" in low:
            raise ToolchainError(
                f"{shlex.join(cmd)!r} is GCC ({first!r}); metalsim needs clang >= {MIN_CLANG}: GCC "
                "silently ignores ext_vector_type, so Metal vector types would become scalars"
            )
        raise ToolchainError(
            f"{shlex.join(cmd)!r} is not clang ({first!r}); need clang >= {MIN_CLANG}"
        )
    version = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if version[0] < MIN_CLANG:
        raise ToolchainError(
            f"{shlex.join(cmd)!r} is clang {'.'.join(map(str, version))}; metalsim needs clang >= "
            f"{MIN_CLANG} (bfloat/__bf16 arithmetic and excess-precision control)"
        )
    return version, first


def _print_file(cmd: list[str], *args: str) -> str | None:
    try:
        res = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = res.stdout.strip()
    ok = res.returncode == 0 and path and os.path.isabs(path) and os.path.exists(path)
    return path if ok else None


def _make(cmd: list[str], kind: str, sanitize: bool) -> Toolchain:
    version, first = _probe(cmd)
    link: tuple[str, ...] = ()
    asan: str | None = None
    if kind == "zig":
        # zig links its own compiler-rt (which has __truncsfbf2). Kernels and the runtime use
        # only headers of the C++ library, so -nostdlib++ spares zig building libc++ from source
        # on a fresh machine (about 40 s of CPU, most of the first run).
        link = ("-nostdlib++",)
        _use_private_zig_cache(cmd)
        if sanitize:
            raise ToolchainError(
                "sanitize=True needs a system clang with the ASan runtime (Debian: apt-get install "
                "clang-19 libclang-rt-19-dev); the ziglang wheel ships no AddressSanitizer runtime"
            )
    else:
        # Debian's libgcc lacks __truncsfbf2 (float -> bfloat), compiler-rt builtins have it.
        builtins = _print_file(cmd, "-rtlib=compiler-rt", "-print-libgcc-file-name")
        if builtins is None:
            raise ToolchainError(
                f"{shlex.join(cmd)!r}: compiler-rt builtins not found (needed for bfloat "
                f"conversions); on Debian: apt-get install libclang-rt-{version[0]}-dev"
            )
        link = ("-rtlib=compiler-rt", "--unwindlib=libgcc")
        if sanitize:
            asan = _print_file(cmd, "-print-file-name=libclang_rt.asan-x86_64.so") or _print_file(
                cmd, "-print-file-name=libclang_rt.asan.so"
            )
            if asan is None:
                raise ToolchainError(
                    f"{shlex.join(cmd)!r}: AddressSanitizer runtime not found; on Debian: apt-get "
                    f"install libclang-rt-{version[0]}-dev"
                )
    return Toolchain(
        cxx=list(cmd),
        version=version,
        version_string=first,
        kind=kind,
        sanitize=sanitize,
        link_flags=link,
        asan_runtime=asan,
    )


def _use_private_zig_cache(cmd: list[str]) -> None:
    """Give this zig installation a cache of its own, under metalsim's cache directory.

    zig keeps what it builds (compiler-rt, libc++) in one global cache, ``~/.cache/zig``, whose
    manifests record the absolute paths of the sources. Two environments with their own ziglang
    wheels (two checkouts, two virtual environments) then take turns invalidating each other's
    entries, and every compile re-hashes or rebuilds them: one failing compile took about 60 s
    inside zig instead of 0.5 s. Keyed by the zig executable's path, each installation keeps
    its own entries. ``$ZIG_GLOBAL_CACHE_DIR``, if set, wins.
    """
    if "ZIG_GLOBAL_CACHE_DIR" in os.environ:
        return
    exe = next((part for part in cmd if os.path.basename(part) == "zig"), " ".join(cmd))
    key = hashlib.sha256(os.path.realpath(exe).encode()).hexdigest()[:12]
    os.environ["ZIG_GLOBAL_CACHE_DIR"] = str(cache_root() / "zig" / key)


def _kind_of(cmd: list[str]) -> str:
    return "zig" if any("zig" in part for part in cmd) else "clang"


def _system_candidates() -> list[list[str]]:
    out = []
    for major in range(30, MIN_CLANG - 1, -1):
        path = shutil.which(f"clang++-{major}")
        if path:
            out.append([path])
    path = shutil.which("clang++")
    if path:
        out.append([path])
    return out


def _zig_command() -> list[str] | None:
    try:
        import ziglang
    except ImportError:
        return None
    # The wheel's zig executable itself: `python -m ziglang` would add a Python start-up
    # (about 0.1 s) to every compile.
    exe = Path(next(iter(ziglang.__path__))) / "zig"
    if os.access(exe, os.X_OK):
        return [str(exe), "c++"]
    return [sys.executable, "-m", "ziglang", "c++"]


@functools.cache
def _find(sanitize: bool, override: str | None) -> Toolchain:
    if override:
        cmd = shlex.split(override)
        # absolute path: compiles run in temporary working directories
        if cmd and os.sep in cmd[0]:
            cmd[0] = os.path.abspath(cmd[0])
        elif cmd:
            cmd[0] = shutil.which(cmd[0]) or cmd[0]
        return _make(cmd, _kind_of(cmd), sanitize)
    errors: list[str] = []
    for cmd in _system_candidates():
        try:
            return _make(cmd, "clang", sanitize)
        except ToolchainError as exc:
            errors.append(str(exc))
    zig = _zig_command()
    if zig is not None:
        try:
            return _make(zig, "zig", sanitize)
        except ToolchainError as exc:
            errors.append(str(exc))
    else:
        errors.append("the ziglang wheel is not installed (pip install ziglang)")
    raise ToolchainError(
        "no usable C++ compiler for metalsim (need clang >= 17):\n  " + "\n  ".join(errors)
    )


def find_toolchain(sanitize: bool = False) -> Toolchain:
    """Return the compiler to use (cached per process). Raises ToolchainError if none is usable.

    ``$METALSIM_CXX`` overrides the search; it is read on every call.
    """
    return _find(sanitize, config.env(config.CXX))


def clear_cache() -> None:
    """Forget the cached result of find_toolchain (tests change ``$METALSIM_CXX``)."""
    _find.cache_clear()


# The language layer's modules import the cache root and the math modes from here; both are
# defined once, in config.
default_cache_dir = cache_root
