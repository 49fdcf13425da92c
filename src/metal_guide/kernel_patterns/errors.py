"""Metal kernel patterns: where each mistake surfaces (construction, call or evaluation).

Construction and call errors come from MLX's own ``mx.fast.metal_kernel`` and are the same on
every machine. Evaluation errors need something that runs the kernel: Metal on a Mac, or
metalsim on Linux (its messages differ from Metal's; the types are the same).
"""

# --8<-- [start:stages]
import textwrap
from collections.abc import Callable

import mlx.core as mx

BODY = "uint i = thread_position_in_grid.x; out[i] = 2.0f * x[i];"


def report(stage: str, action: Callable[[], object]) -> None:
    """Run `action` and print the kind and first line of the error it raises."""
    try:
        action()
    except (TypeError, ValueError, RuntimeError) as e:
        # metalsim's errors subclass these; print the base class both platforms share.
        kind = next(
            t for t in (TypeError, ValueError, RuntimeError) if isinstance(e, t)
        )
        line = textwrap.shorten(str(e).splitlines()[0], 100, placeholder=" ...")
        print(f"{stage}: {kind.__name__}: {line}")
    else:
        print(f"{stage}: no error")


def build(**kw: object) -> Callable[..., list[mx.array]]:
    args = dict(
        name="patterns_double", input_names=["x"], output_names=["out"], source=BODY
    )
    return mx.fast.metal_kernel(**{**args, **kw})


x = mx.ones((1000,))
good = dict(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
            grid=(1000, 1, 1), threadgroup=(256, 1, 1))  # fmt: skip
# --8<-- [end:stages]


if __name__ == "__main__":
    from metal_guide.kernel_patterns.generated_source import using_mlx_metal_kernel

    with using_mlx_metal_kernel():  # MLX's own checks, even under metalsim
        # --8<-- [start:construction]
        report("construction", lambda: build(output_names=[]))
        report("construction", lambda: build(compile_options={"math_mode": "turbo"}))
        # --8<-- [end:construction]
        # --8<-- [start:call]
        kernel = build()
        report("call", lambda: kernel(**{**good, "inputs": []}))
        report("call", lambda: kernel(**good, template=[("N", 2.5)]))
        report("call", lambda: kernel(**{**good, "grid": (1000, 1)}))
        # --8<-- [end:call]

    # --8<-- [start:evaluation]
    # On a Mac these calls return lazy arrays and the errors fire at mx.eval;
    # metalsim runs kernels at the call. Either way, evaluate inside the check.
    oversized = {**good, "threadgroup": (2048, 1, 1)}
    report("evaluation", lambda: mx.eval(build()(**oversized)))
    typo = build(name="patterns_typo", source=BODY.replace("x[i]", "y[i]"))
    report("evaluation", lambda: mx.eval(typo(**good)))
    # --8<-- [end:evaluation]
