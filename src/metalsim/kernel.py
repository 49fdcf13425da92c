"""``metalsim.metal_kernel``: a drop-in for ``mx.fast.metal_kernel`` that runs on the CPU.

The constructor and the call take MLX 0.32's arguments, validate them in MLX's order with MLX's
exception types and messages (nanobind conversion errors become ``TypeError``), generate MLX's
exact Metal source (``metalsim.signature``), then compile it with the language layer
(``compiler.compile_kernel``) and run it with the runtime (``launch.launch``).

What differs from MLX on a Mac, by design:

- the kernel runs eagerly at call time, so errors MLX raises at evaluation (compile errors,
  threadgroup too large, kernel faults) are raised by the call;
- the ``stream`` argument is validated like MLX's, then ignored: everything runs on the CPU;
- outputs that the kernel does not write hold a poison pattern (all bytes ``0xFF``) instead of
  whatever a recycled GPU buffer held;
- outputs (and the input copies metalsim makes) sit between two guard regions; a kernel that
  writes into one raises ``KernelRuntimeError`` naming the buffer, instead of silently
  corrupting the Python process's heap (not in AddressSanitizer mode, which checks exactly);
- the result is wrapped in ``mx.custom_function`` whose VJP/JVP/vmap raise MLX's errors, so
  ``mx.grad`` through a kernel fails loudly instead of returning zeros;
- calls on tracers are handed to MLX's own ``metal_kernel``: under ``mx.export_function`` it
  records its real ``CustomKernel``; ``mx.compile``/``mx.vmap`` (which would need Metal) raise
  a clear error;
- ``verbose=True`` writes MLX's text to ``sys.stdout`` (MLX uses C++ ``std::cout``, fd 1).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import mlx.core as mx

from metalsim import arguments, signature
from metalsim.buffers import to_mx
from metalsim.execution import KernelSpec, PreparedCall, execute, transform_error


def _mlx_function() -> Any:
    """MLX's own ``mx.fast.metal_kernel``, taken before anything can swap it.

    ``metalsim/__init__`` imports this module before ``metalsim.install()`` can run. If the
    function found is metalsim's own (this module imported again, or reloaded, after an
    install), the capture made by the module that defined it is kept.
    """
    found = mx.fast.metal_kernel
    if getattr(found, "__module__", None) == __name__:
        return found.__globals__["_MLX_METAL_KERNEL"]
    return found


_MLX_METAL_KERNEL = _mlx_function()


def mlx_metal_kernel() -> Any:
    """MLX's own ``mx.fast.metal_kernel``, whether or not metalsim is installed."""
    return _MLX_METAL_KERNEL


# Called with (kernel, generated) for every validated call, e.g. by ``metalsim source``.
source_observers: list[Callable[[MetalKernel, signature.GeneratedKernel], None]] = []


def _raise_transform(kind: str) -> Any:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"[Primitive::{kind}] Not implemented for CustomKernel.")

    return fail


class MetalKernel:
    """What ``metal_kernel(...)`` returns: call it with MLX's keyword-only arguments."""

    def __init__(self, spec: KernelSpec) -> None:
        self.spec = spec
        # MLX detects these once, at construction.
        self.shape_infos = signature.detect_shape_infos(spec.source, list(spec.input_names))
        self.attributes = signature.detect_attributes(spec.source)

    # The constructor's arguments, read-only, under MLX's names.
    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def input_names(self) -> list[str]:
        return list(self.spec.input_names)

    @property
    def output_names(self) -> list[str]:
        return list(self.spec.output_names)

    @property
    def source(self) -> str:
        return self.spec.source

    @property
    def header(self) -> str:
        return self.spec.header

    @property
    def ensure_row_contiguous(self) -> bool:
        return self.spec.ensure_row_contiguous

    @property
    def atomic_outputs(self) -> bool:
        return self.spec.atomic_outputs

    @property
    def math_mode(self) -> str:
        return self.spec.math_mode

    def __repr__(self) -> str:
        return (
            f"<metalsim kernel {self.name!r} inputs={self.input_names} outputs={self.output_names}>"
        )

    def prepare(self, **kwargs: Any) -> PreparedCall:
        """Validate a call like MLX (same checks, order and messages) and generate its source.

        Also prints the source when ``verbose=True``. Does not run anything.
        """
        return self._prepare(kwargs)

    def _prepare(self, kwargs: dict[str, Any]) -> PreparedCall:
        # 1. nanobind conversion of every argument, in parameter order.
        allowed = (
            "inputs", "output_shapes", "output_dtypes", "grid", "threadgroup", "template",
            "init_value", "verbose", "stream",
        )  # fmt: skip
        try:
            if any(k not in allowed for k in kwargs):
                raise arguments.Reject
            for required in allowed[:5]:
                if required not in kwargs:
                    raise arguments.Reject
            raw_inputs = arguments.seq(kwargs["inputs"])
            if any(v is None for v in raw_inputs):
                raise arguments.Reject
            output_shapes = [
                tuple(arguments.int32(d) for d in arguments.seq(s))
                for s in arguments.seq(kwargs["output_shapes"])
            ]
            output_dtypes = arguments.seq(kwargs["output_dtypes"])
            if not all(isinstance(d, mx.Dtype) for d in output_dtypes):
                raise arguments.Reject
            grid = arguments.int3(kwargs["grid"])
            threadgroup = arguments.int3(kwargs["threadgroup"])
            template_raw = kwargs.get("template")
            template_pairs: list[tuple[str, Any]] = []
            if template_raw is not None:
                for pair in arguments.seq(template_raw):
                    items = arguments.seq(pair)
                    if len(items) != 2:
                        raise arguments.Reject
                    template_pairs.append((arguments.string(items[0]), items[1]))
            init_value = arguments.opt_float32(kwargs.get("init_value"))
            verbose = arguments.strict_bool(kwargs.get("verbose", False))
            stream = arguments.stream(kwargs.get("stream"))
        except arguments.Reject:
            raise arguments.incompatible("__call__", arguments.CALL_SIG, (), kwargs) from None

        # 2. inputs -> arrays (MLX's to_array).
        inputs = [arguments.to_array(v) for v in raw_inputs]

        # 3. template values: bool before int; ints must fit in a C int.
        template: list[tuple[str, Any]] = []
        for tname, value in template_pairs:
            if isinstance(value, bool) or (isinstance(value, int) and -(2**31) <= value < 2**31):
                template.append((tname, value))
            elif isinstance(value, mx.Dtype):
                template.append((tname, value))
            else:
                raise ValueError(
                    "[metal_kernel] Invalid template argument. Must be `mlx.core.Dtype`, `int` "
                    "or `bool`."
                )

        # 4. sizes (MLX's check_size message ends with std::endl).
        for actual, expected, what in (
            (len(inputs), len(self.input_names), "inputs"),
            (len(output_shapes), len(self.output_names), "output_shapes"),
            (len(output_dtypes), len(self.output_names), "output_dtypes"),
        ):
            if actual != expected:
                raise ValueError(
                    f"[metal_kernel] Expected `{what}` to have size {expected} but got size "
                    f"{actual}.\n"
                )

        # 5. stream: only the GPU (which here means: the emulator).
        arguments.check_stream(stream)

        # 6. source, printed at call time like MLX.
        generated = signature.generate(
            self.name,
            self.input_names,
            self.output_names,
            self.source,
            self.header,
            [signature.InputDesc.of(a) for a in inputs],
            output_dtypes,
            template,
            self.atomic_outputs,
            shape_infos=self.shape_infos,
            attributes=self.attributes,
        )
        if verbose:
            sys.stdout.write(signature.verbose_text(self.name, generated.source))
            sys.stdout.flush()
        for observe in list(source_observers):
            observe(self, generated)

        # 7. MLX creates the output arrays on the GPU stream: no float64 there.
        if any(d == mx.float64 for d in output_dtypes) or any(
            a.dtype == mx.float64 for a in inputs
        ):
            raise ValueError("float64 is not supported on the GPU")
        for shape in output_shapes:
            if any(d < 0 for d in shape):
                raise ValueError(f"[metalsim] output shape {shape} has a negative dimension")

        return PreparedCall(
            spec=self.spec,
            inputs=inputs,
            output_shapes=output_shapes,
            output_dtypes=list(output_dtypes),
            grid=grid,
            threadgroup=threadgroup,
            template=template,
            init_value=init_value,
            generated=generated,
        )

    def __call__(self, *args: Any, **kwargs: Any) -> list[mx.array]:
        if args:
            raise arguments.incompatible("__call__", arguments.CALL_SIG, args, kwargs)
        prep = self._prepare(kwargs)
        dtypes = prep.output_dtypes
        try:
            mx.eval(prep.inputs)
        except ValueError as e:
            if "during function transformations" not in str(e):
                raise
            return self._traced_call(kwargs, e)

        def forward(*arrays: mx.array) -> list[mx.array]:
            prep.inputs = list(arrays)
            outs = execute(prep)
            return [to_mx(n, d) for n, d in zip(outs, dtypes, strict=True)]

        # A custom_function gives the outputs a graph node whose transforms raise like MLX's
        # CustomKernel primitive (a bare NumPy round trip would differentiate to zeros).
        op = mx.custom_function(forward)
        op.vjp(_raise_transform("vjp"))
        op.jvp(_raise_transform("jvp"))
        op.vmap(_raise_transform("vmap"))
        return list(op(*prep.inputs))

    def _traced_call(self, kwargs: dict[str, Any], error: Exception) -> list[mx.array]:
        """A call on tracers (mx.compile, mx.vmap, mx.export_function): nothing to run here.

        MLX's own function records the kernel in the graph when it can (export tracing; any
        trace on a Mac), exactly as it would without metalsim. Otherwise (compile/vmap without
        Metal) raise a clear error instead of MLX's "No Metal back-end".
        """
        real = mlx_metal_kernel()(**self.spec.constructor_kwargs())
        try:
            return real(**{**kwargs, "verbose": False})  # ours already printed the source
        except RuntimeError as e:
            if "No Metal back-end" not in str(e):
                raise
        raise transform_error(self.name, export=False) from error


def metal_kernel(
    name: str,
    input_names: Sequence[str],
    output_names: Sequence[str],
    source: str,
    header: str = "",
    ensure_row_contiguous: bool = True,
    atomic_outputs: bool = False,
    compile_options: dict[str, str] | None = None,
) -> MetalKernel:
    """Drop-in for ``mx.fast.metal_kernel`` (MLX 0.32) that runs the kernel on the CPU."""
    signature.warn_if_other_mlx()
    args = (
        name, input_names, output_names, source, header, ensure_row_contiguous,
        atomic_outputs, compile_options,
    )  # fmt: skip
    try:
        name_ = arguments.string(name)
        in_names = [arguments.string(n) for n in arguments.seq(input_names)]
        out_names = [arguments.string(n) for n in arguments.seq(output_names)]
        source_ = arguments.string(source)
        header_ = arguments.string(header)
        erc = arguments.strict_bool(ensure_row_contiguous)
        atomic = arguments.strict_bool(atomic_outputs)
    except arguments.Reject:
        raise arguments.incompatible("metal_kernel", arguments.CTOR_SIG, args, {}) from None
    # MLX parses compile_options while evaluating the arguments of its C++ metal_kernel(),
    # i.e. before that function checks the outputs.
    math_mode = arguments.parse_compile_options(compile_options)
    if not out_names:
        raise ValueError("[metal_kernel] Must specify at least one output.")
    return MetalKernel(
        KernelSpec(
            name_, tuple(in_names), tuple(out_names), source_, header_, erc, atomic, math_mode
        )
    )
