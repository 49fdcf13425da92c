"""Metal kernel patterns: print the Metal source MLX generates around a kernel body, without a GPU.

MLX prints the full generated source of a kernel when it is called with ``verbose=True``.
On a Mac that is all you need. On a machine without Metal (for example the Linux CPU
wheel), a call raises ``[metal_kernel] No Metal back-end.``, except while
``mx.export_function`` is tracing: since MLX 0.32.0 the call then goes through MLX's real
source generator, so ``verbose=True`` prints the exact text a Mac would compile.

MLX prints with C++ ``std::cout``, which writes to file descriptor 1 and bypasses Python's
``sys.stdout``; ``generated_source`` therefore redirects the descriptor itself.

The guide shows the snapshots stored in ``_output/``. ``python -m
metal_guide.kernel_patterns.generated_source --write`` regenerates them;
``tests/kernel_patterns/test_generated_source.py`` fails when they drift from what the installed
MLX generates.
"""

# --8<-- [start:capture]
import contextlib
import ctypes
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import mlx.core as mx


@contextlib.contextmanager
def _fd1_to(path: Path) -> Iterator[None]:
    """Send everything written to file descriptor 1 (C and C++ stdout) into `path`."""
    libc = ctypes.CDLL(None)
    sys.stdout.flush()
    libc.fflush(None)
    saved = os.dup(1)
    try:
        with open(path, "wb") as sink:
            os.dup2(sink.fileno(), 1)
            try:
                yield
            finally:
                libc.fflush(None)  # std::cout shares C stdio's buffer by default
                os.dup2(saved, 1)
    finally:
        os.close(saved)


def generated_source(call: Callable[..., mx.array], *args: mx.array) -> str:
    """Return the Metal source MLX generates for the kernel launch in ``call(*args)``.

    ``call`` must launch exactly one kernel, passing ``verbose=True``, and return its
    output. Nothing is evaluated, so this works without Metal (MLX >= 0.32.0).
    """
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "stdout.txt"
        with _fd1_to(log):
            mx.export_function(str(Path(tmp) / "trace.mlxfn"), call, *args)
        text = log.read_text(encoding="ascii")
    # MLX prints: Generated source code for `<name>`:\n```\n<source>\n```\n
    if text.count("Generated source code for `") != 1:
        raise RuntimeError(
            f"expected one generated kernel in the output, got:\n{text!r}"
        )
    start = text.index("```\n") + len("```\n")
    end = text.rindex("\n```")
    return text[start:end]


# --8<-- [end:capture]


# --- The snapshots the guide shows -------------------------------------------------------

import argparse  # noqa: E402

HERE = Path(__file__).parent
OUTPUT_DIR = HERE / "_output"


def mlx_metal_kernel() -> Callable[..., Callable[..., list[mx.array]]]:
    """MLX's own ``mx.fast.metal_kernel``, even while metalsim's emulator replaces it.

    The emulator runs kernels eagerly on the CPU, so it can't be traced by export_function;
    the snapshots must come from MLX's generator anyway.
    """
    try:
        from metalsim.kernel import mlx_metal_kernel as original_metal_kernel
    except ImportError:
        return mx.fast.metal_kernel
    return original_metal_kernel()


@contextlib.contextmanager
def using_mlx_metal_kernel() -> Iterator[None]:
    """Make ``mx.fast.metal_kernel`` MLX's own function for the duration of the block."""
    current = mx.fast.metal_kernel
    mx.fast.metal_kernel = mlx_metal_kernel()
    try:
        yield
    finally:
        mx.fast.metal_kernel = current


def _verbose(kernel: Callable[..., list[mx.array]]) -> Callable[..., list[mx.array]]:
    def call(**kwargs: object) -> list[mx.array]:
        return kernel(**kwargs, verbose=True)

    return call


def load_fresh(filename: str) -> dict[str, object]:
    """Execute a file of metal_guide (path relative to this package) as a fresh module.

    Returns its globals. The functions it defines look their kernels up in this dict, so a
    snapshot or a test can swap a kernel without touching the imported module.
    """
    path = HERE / filename
    namespace: dict[str, object] = {
        "__name__": f"fresh_{path.stem}",
        "__file__": str(path),
    }
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace


def _first_kernel_float32() -> str:
    with using_mlx_metal_kernel():
        module = load_fresh("../quick_start/first_kernel.py")
        kernel = _verbose(module["swiglu_kernel"]())
        module["swiglu_kernel"] = lambda: kernel
        x = mx.zeros((1000,), dtype=mx.float32)
        return generated_source(module["swiglu_first"], x, x)


def _swiglu_bfloat16_small() -> str:
    # 5 elements: below MLX's threshold of 8, so the arrays go to the constant space.
    with using_mlx_metal_kernel():
        module = load_fresh("swiglu.py")
        kernel = _verbose(module["swiglu_kernel"]())
        module["swiglu_kernel"] = lambda: kernel
        x = mx.zeros((5,), dtype=mx.bfloat16)
        return generated_source(module["swiglu"], x, x)


def _captured(filename: str, builder: str, wrapper: str, *args: mx.array) -> str:
    """The source `wrapper(*args)` in `filename` generates through its cached `builder`."""
    with using_mlx_metal_kernel():
        module = load_fresh(filename)
        kernel = _verbose(module[builder]())
        module[builder] = lambda: kernel
        return generated_source(module[wrapper], *args)


def _poly_float16() -> str:
    # Template: a dtype, an int and a bool; a 3-element array (constant) and a Python float.
    x = mx.zeros((1000,), dtype=mx.float16)
    c = mx.array([1.0, -0.5, 0.25])
    return _captured("parameters.py", "poly_kernel", "poly", x, c)


def _strided_float32() -> str:
    x = mx.zeros((40, 33), dtype=mx.float32)
    return _captured("strided.py", "double_strided_kernel", "double", x.T)


def _rms_norm_vjp_float16() -> str:
    # Two atomic outputs, 0-d inputs, SIMD-group and threadgroup attributes.
    x = mx.zeros((3, 1000), dtype=mx.float16)
    w = mx.zeros((1000,), dtype=mx.float16)

    def backward(x: mx.array, w: mx.array) -> mx.array:
        return module["rms_norm_backward"](x, w, x, 1e-5)[1]

    with using_mlx_metal_kernel():
        module = load_fresh("../second_kernel/rms_norm_vjp.py")
        kernel = _verbose(module["rms_norm_vjp_kernel"]())
        module["rms_norm_vjp_kernel"] = lambda: kernel
        return generated_source(backward, x, w)


def _int64_scalar() -> str:
    # A Python int outside the int32 range becomes a 0-d int64 array.
    kernel = mlx_metal_kernel()(
        name="patterns_scalars",
        input_names=["x", "small", "big"],
        output_names=["out"],
        source="uint i = thread_position_in_grid.x; out[i] = x[i] + T(small + big);",
    )

    def call(x: mx.array) -> mx.array:
        (out,) = kernel(
            inputs=[x, 3, 2**33],
            template=[("T", mx.float32)],
            grid=(x.size, 1, 1),
            threadgroup=(256, 1, 1),
            output_shapes=[x.shape],
            output_dtypes=[x.dtype],
            verbose=True,
        )
        return out

    with using_mlx_metal_kernel():
        return generated_source(call, mx.zeros((64,), dtype=mx.float32))


# A header without a final newline and a body that names an attribute only in a comment.
QUIRKS_HEADER = "#define SCALE 2.0f"
QUIRKS_SOURCE = """
    // threadgroup_position_in_grid is not used; this comment alone declares it.
    uint i = thread_position_in_grid.x;
    out[i] = SCALE * inp[i];
"""


def _quirks(header: str) -> str:
    kernel = mlx_metal_kernel()(
        name="patterns_quirks",
        input_names=["inp"],
        output_names=["out"],
        source=QUIRKS_SOURCE,
        header=header,
    )

    def call(x: mx.array) -> mx.array:
        (out,) = kernel(
            inputs=[x],
            grid=(x.size, 1, 1),
            threadgroup=(256, 1, 1),
            output_shapes=[x.shape],
            output_dtypes=[x.dtype],
            verbose=True,
        )
        return out

    with using_mlx_metal_kernel():
        return generated_source(call, mx.zeros((64,), dtype=mx.float32))


SNAPSHOTS: dict[str, Callable[[], str]] = {
    "first_kernel_float32.metal": _first_kernel_float32,
    "swiglu_bfloat16_small.metal": _swiglu_bfloat16_small,
    "poly_float16.metal": _poly_float16,
    "strided_float32.metal": _strided_float32,
    "rms_norm_vjp_float16.metal": _rms_norm_vjp_float16,
    "int64_scalar.metal": _int64_scalar,
    "header_no_newline.metal": lambda: _quirks(QUIRKS_HEADER),
    "header_with_newline.metal": lambda: _quirks(QUIRKS_HEADER + "\n"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--write", action="store_true", help=f"update the files in {OUTPUT_DIR}"
    )
    args = parser.parse_args(argv)
    for filename, make in SNAPSHOTS.items():
        text = make()
        if args.write:
            (OUTPUT_DIR / filename).write_text(text, encoding="ascii")
            print(f"wrote {OUTPUT_DIR / filename}")
        else:
            print(f"// ===== {filename} (MLX {mx.__version__})\n{text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
