"""MLX 0.32.4's Metal source generator for ``mx.fast.metal_kernel``, re-implemented.

The emulator must compile exactly the text MLX would hand to Metal, so this module reproduces
MLX's kernel naming, ``write_signature``, ``write_template``, ``make_template_hash``, the
template instantiation line and the ``verbose=True`` text, including their quirks:

- no newline is added after ``header``;
- with two or more outputs, at least one shape/strides/ndim parameter and no thread attribute,
  ``) {`` is written after the first output (MLX compares the *buffer* index with the number of
  inputs plus outputs);
- ``name_shape``/``name_strides``/``name_ndim`` and the 20 thread attributes are detected by a
  plain substring search of ``source`` (comments count, the header does not), and attributes are
  declared in MLX's table order;
- template bools print as ``1``/``0``; a ``-`` in the template hash becomes ``_`` (0.32.4).

Byte identity with the installed MLX is checked by
``tests/metalsim/mlx_layer/test_signature_oracle.py`` (MLX's own ``verbose`` output, captured
while ``mx.export_function`` traces a call).

The same walk that writes the signature also yields the parameter list the compiler needs
(``ParamSpec``, converted to ``interfaces.EntrySpec`` by ``entry_spec``).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Union

import mlx.core as mx

from metalsim.interfaces import EntrySpec, Param

# The MLX release whose generator this module reproduces byte for byte. Earlier 0.32 releases
# differ (0.32.0-0.32.2 keep the '-' of negative template ints in the kernel name; 0.32.0 used
# another template hash), so metalsim warns once when another MLX is installed.
REPRODUCED_MLX = "0.32.4"


@functools.cache
def warn_if_other_mlx() -> None:
    """Warn (once per process) if the installed MLX is not the release reproduced here."""
    version = getattr(mx, "__version__", "?")
    if version.split("+")[0].split(".dev")[0] != REPRODUCED_MLX:
        warnings.warn(
            f"metalsim reproduces the kernel source of MLX {REPRODUCED_MLX}, but MLX "
            f"{version} is installed: the source it compiles can differ from what this MLX "
            "builds on a Mac",
            stacklevel=3,
        )


# Inputs with fewer elements are passed in Metal's `constant` address space (MLX constant).
MAX_CONSTANT_ARRAY_SIZE = 8

# MLX's get_type_string (mlx/backend/common/compiled.cpp).
_TYPE_STRINGS: dict[mx.Dtype, str] = {
    mx.bool_: "bool",
    mx.int8: "int8_t",
    mx.int16: "int16_t",
    mx.int32: "int32_t",
    mx.int64: "int64_t",
    mx.uint8: "uint8_t",
    mx.uint16: "uint16_t",
    mx.uint32: "uint32_t",
    mx.uint64: "uint64_t",
    mx.float16: "float16_t",
    mx.bfloat16: "bfloat16_t",
    mx.float32: "float",
    mx.float64: "double",
    mx.complex64: "complex64_t",
}

# The thread attributes MLX recognises, in the order it declares them (its table order).
METAL_ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("dispatch_quadgroups_per_threadgroup", "uint"),
    ("dispatch_simdgroups_per_threadgroup", "uint"),
    ("dispatch_threads_per_threadgroup", "uint3"),
    ("grid_origin", "uint3"),
    ("grid_size", "uint3"),
    ("quadgroup_index_in_threadgroup", "uint"),
    ("quadgroups_per_threadgroup", "uint"),
    ("simdgroup_index_in_threadgroup", "uint"),
    ("simdgroups_per_threadgroup", "uint"),
    ("thread_execution_width", "uint"),
    ("thread_index_in_quadgroup", "uint"),
    ("thread_index_in_simdgroup", "uint"),
    ("thread_index_in_threadgroup", "uint"),
    ("thread_position_in_grid", "uint3"),
    ("thread_position_in_threadgroup", "uint3"),
    ("threadgroup_position_in_grid", "uint3"),
    ("threadgroups_per_grid", "uint3"),
    ("threads_per_grid", "uint3"),
    ("threads_per_simdgroup", "uint"),
    ("threads_per_threadgroup", "uint3"),
)

TemplateValue = Union[bool, int, mx.Dtype]  # noqa: UP007 (runtime alias on 3.10)


class InputDesc(NamedTuple):
    """What the generator needs to know about one (converted) input array."""

    dtype: mx.Dtype
    ndim: int
    size: int

    @classmethod
    def of(cls, a: mx.array) -> InputDesc:
        return cls(a.dtype, a.ndim, a.size)


class ParamSpec(NamedTuple):
    """One parameter of the generated kernel, in signature order (see ARCHITECTURE.md)."""

    name: str
    kind: str  # "buffer", "scalar" or "attr"
    ctype: str  # element type for buffers, value type for scalars/attributes


@dataclass(frozen=True)
class GeneratedKernel:
    """Everything MLX derives from one call: name, full source and the parameter walk."""

    kernel_name: str
    source: str  # header + signature + body + instantiation line, exactly as MLX builds it
    template_def: str | None  # e.g. "<float, 1>", None without template arguments
    params: tuple[ParamSpec, ...]
    shape_infos: tuple[tuple[bool, bool, bool], ...]


def type_string(dtype: mx.Dtype) -> str:
    """Metal type name MLX uses for ``dtype``."""
    try:
        return _TYPE_STRINGS[dtype]
    except KeyError:  # pragma: no cover - every MLX dtype is in the table
        raise ValueError(f"[metalsim] no Metal type for {dtype}") from None


def detect_shape_infos(
    source: str, input_names: Sequence[str]
) -> tuple[tuple[bool, bool, bool], ...]:
    """(uses ``n_shape``, uses ``n_strides``, uses ``n_ndim``) per input: substring search."""
    return tuple(
        (n + "_shape" in source, n + "_strides" in source, n + "_ndim" in source)
        for n in input_names
    )


def detect_attributes(source: str) -> tuple[tuple[str, str], ...]:
    """(attribute, type) for each of MLX's attributes whose name occurs in ``source``."""
    return tuple((attr, t) for attr, t in METAL_ATTRIBUTES if attr in source)


def _template_value_string(value: TemplateValue) -> str:
    # bool before int (bool is an int in Python); C++ streams bools as 1/0 without boolalpha.
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return type_string(value)


def write_template(template_args: Sequence[tuple[str, TemplateValue]]) -> str:
    """``"<v1, v2, ...>"`` as MLX's ``write_template``."""
    return "<" + ", ".join(_template_value_string(v) for _, v in template_args) + ">"


def make_template_hash(template_def: str) -> str:
    """MLX's ``make_template_hash``: ``<``/``>``/``", "``/``-`` become ``_``, last char dropped."""
    out: list[str] = []
    i = 0
    n = len(template_def)
    while i < n:
        c = template_def[i]
        if c in "<>":
            out.append("_")
        elif c == "," and i + 1 < n and template_def[i + 1] == " ":
            out.append("_")
            i += 1
        elif c == "-":  # 0.32.4 maps '-' so negative ints give a valid identifier
            out.append("_")
        else:
            out.append(c)
        i += 1
    return "".join(out)[:-1]


def make_kernel_name(
    name: str,
    inputs: Sequence[InputDesc],
    output_dtypes: Sequence[mx.Dtype],
    template_args: Sequence[tuple[str, TemplateValue]],
) -> str:
    """``custom_kernel_<name>[_<template hash>]`` + input and output dtype suffixes."""
    kernel_name = "custom_kernel_" + name
    if template_args:
        kernel_name += "_" + make_template_hash(write_template(template_args))
    for a in inputs:
        kernel_name += "_" + type_string(a.dtype)
        if a.ndim == 0:
            kernel_name += "s"
        elif a.size < MAX_CONSTANT_ARRAY_SIZE:
            kernel_name += "c"
    for d in output_dtypes:
        kernel_name += "_" + type_string(d)
    return kernel_name


def _template_kind(value: TemplateValue) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return "typename"


def write_signature(
    kernel_name: str,
    header: str,
    source: str,
    input_names: Sequence[str],
    inputs: Sequence[InputDesc],
    output_names: Sequence[str],
    output_dtypes: Sequence[mx.Dtype],
    template_args: Sequence[tuple[str, TemplateValue]],
    attributes: Sequence[tuple[str, str]],
    shape_infos: Sequence[tuple[bool, bool, bool]],
    atomic_outputs: bool,
) -> tuple[str, tuple[ParamSpec, ...]]:
    """MLX's ``write_signature`` (header + signature + body), plus the parameter list."""
    parts: list[str] = [header]  # verbatim, no newline added (MLX quirk)
    params: list[ParamSpec] = []
    if template_args:
        decl = ", ".join(_template_kind(v) + " " + n for n, v in template_args)
        parts.append("template <" + decl + ">\n")
    parts.append("[[kernel]] void " + kernel_name + "(\n")

    index = 0
    for name, arr, (use_shape, use_strides, use_ndim) in zip(
        input_names, inputs, shape_infos, strict=True
    ):
        t = type_string(arr.dtype)
        location = "constant" if arr.size < MAX_CONSTANT_ARRAY_SIZE else "device"
        ref = "&" if arr.ndim == 0 else "*"
        parts.append(f"  const {location} {t}{ref} {name} [[buffer({index})]],\n")
        params.append(ParamSpec(name, "scalar" if arr.ndim == 0 else "buffer", t))
        index += 1
        if arr.ndim > 0:
            if use_shape:
                parts.append(f"  const constant int* {name}_shape [[buffer({index})]],\n")
                params.append(ParamSpec(name + "_shape", "buffer", "int"))
                index += 1
            if use_strides:
                parts.append(f"  const constant int64_t* {name}_strides [[buffer({index})]],\n")
                params.append(ParamSpec(name + "_strides", "buffer", "int64_t"))
                index += 1
            if use_ndim:
                parts.append(f"  const constant int& {name}_ndim [[buffer({index})]],\n")
                params.append(ParamSpec(name + "_ndim", "scalar", "int"))
                index += 1

    n_io = len(inputs) + len(output_names)
    for name, dtype in zip(output_names, output_dtypes, strict=True):
        t = type_string(dtype)
        if atomic_outputs:
            t = "atomic<" + t + ">"
        parts.append(f"  device {t}* {name} [[buffer({index})]]")
        # MLX compares the buffer index (which counts shape/strides/ndim buffers) here.
        parts.append(",\n" if (index < n_io - 1 or len(attributes) > 0) else ") {\n")
        params.append(ParamSpec(name, "buffer", t))
        index += 1

    for j, (attr, t) in enumerate(attributes):
        parts.append(f"  {t} {attr} [[{attr}]]")
        parts.append(",\n" if j < len(attributes) - 1 else ") {\n")
        params.append(ParamSpec(attr, "attr", t))

    parts.append(source)
    parts.append("\n}\n")
    return "".join(parts), tuple(params)


def generate(
    name: str,
    input_names: Sequence[str],
    output_names: Sequence[str],
    source: str,
    header: str,
    inputs: Sequence[InputDesc],
    output_dtypes: Sequence[mx.Dtype],
    template_args: Sequence[tuple[str, TemplateValue]] = (),
    atomic_outputs: bool = False,
    *,
    shape_infos: Sequence[tuple[bool, bool, bool]] | None = None,
    attributes: Sequence[tuple[str, str]] | None = None,
) -> GeneratedKernel:
    """The full source MLX would compile for one call (after its ``metal::utils()`` preamble).

    ``shape_infos``/``attributes`` may be passed precomputed (MLX detects them at construction).
    """
    if shape_infos is None:
        shape_infos = detect_shape_infos(source, input_names)
    if attributes is None:
        attributes = detect_attributes(source)
    kernel_name = make_kernel_name(name, inputs, output_dtypes, template_args)
    text, params = write_signature(
        kernel_name,
        header,
        source,
        input_names,
        inputs,
        output_names,
        output_dtypes,
        template_args,
        attributes,
        shape_infos,
        atomic_outputs,
    )
    template_def: str | None = None
    if template_args:
        template_def = write_template(template_args)
        inst = kernel_name + template_def
        text += (
            '\ntemplate [[host_name("'
            + kernel_name
            + '")]] [[kernel]] decltype('
            + inst
            + ") "
            + inst
            + ";\n"
        )
    return GeneratedKernel(kernel_name, text, template_def, params, tuple(shape_infos))


def verbose_text(name: str, kernel_source: str) -> str:
    """What MLX prints for ``verbose=True`` (the user's ``name``, not the kernel name)."""
    return "Generated source code for `" + name + "`:\n```\n" + kernel_source + "\n```\n"


def entry_spec(gen: GeneratedKernel) -> EntrySpec:
    """The compiler's ``EntrySpec`` for a generated kernel (ARCHITECTURE.md, Interface 2)."""
    return EntrySpec(
        kernel_name=gen.kernel_name,
        template_def=gen.template_def,
        params=tuple(Param(p.name, p.kind, p.ctype) for p in gen.params),
    )
