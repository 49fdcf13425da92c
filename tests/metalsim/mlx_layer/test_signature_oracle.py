"""signature.py must print exactly what the installed MLX prints for ``verbose=True``.

The expected text comes from MLX itself (see mlx_oracle.py), never from hard-coded strings.
"""

from __future__ import annotations

import random
from typing import Any

import mlx.core as mx
import pytest

import metalsim
from metalsim import arguments, signature

from .mlx_oracle import build_input, build_template, mlx_verbose_outputs

DTYPES = [
    "bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "bfloat16", "float32", "complex64",
]  # fmt: skip
NAMES = ["a", "x", "inp", "grid", "w", "b2", "mask", "q_k"]
OUT_NAMES = ["out", "y", "o2", "acc", "cnt", "res"]
ATTRS = [a for a, _ in signature.METAL_ATTRIBUTES]


def _random_input(rng: random.Random) -> dict[str, Any]:
    r = rng.random()
    if r < 0.1:
        return {"kind": "scalar", "value": rng.randint(-(2**31), 2**31 - 1)}
    if r < 0.15:
        return {"kind": "scalar", "value": rng.uniform(-10, 10)}
    if r < 0.2:
        return {"kind": "scalar", "value": rng.random() < 0.5}
    shape_kind = rng.random()
    if shape_kind < 0.15:
        shape: list[int] = []  # 0-d array
    elif shape_kind < 0.4:
        shape = [rng.randint(0, 7)]  # < 8 elements: constant space (size 0 included)
    elif shape_kind < 0.5:
        shape = [rng.randint(1, 2), rng.randint(1, 3)]
    elif shape_kind < 0.55:
        shape = [8]  # the boundary
    else:
        shape = [rng.randint(1, 4) for _ in range(rng.randint(1, 4))] + [rng.randint(8, 12)]
    return {"kind": "array", "dtype": rng.choice(DTYPES), "shape": shape}


def _random_case(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    n_in = rng.randint(0, 4)
    input_names = rng.sample(NAMES, n_in)
    n_out = rng.randint(1, 3)
    output_names = rng.sample(OUT_NAMES, n_out)
    body: list[str] = []
    for n in input_names:
        for suffix in ("_shape", "_strides", "_ndim"):
            if rng.random() < 0.3:
                body.append(f"auto v_{n}{suffix} = {n}{suffix};")
    for attr in rng.sample(ATTRS, rng.choice([0, 0, 1, 2, 3, 5])):
        # Attributes anywhere count, including in comments.
        body.append(f"// uses {attr}" if rng.random() < 0.3 else f"auto t_{attr} = {attr};")
    for n in output_names:
        body.append(f"{n}[0] = 0;")
    rng.shuffle(body)
    source = "\n".join(("    " if rng.random() < 0.5 else "") + line for line in body)
    header = rng.choice(["", "#define FOO 1", "#define FOO 1\n", "// h thread_position_in_grid\n"])
    template: list[list[Any]] | None = None
    if rng.random() < 0.6:
        template = []
        for i in range(rng.randint(0 if rng.random() < 0.1 else 1, 4)):
            kind = rng.choice(["int", "bool", "dtype"])
            if kind == "int":
                v: Any = rng.choice([0, 1, -1, 7, -17, 2**31 - 1, -(2**31), rng.randint(-99, 99)])
            elif kind == "bool":
                v = rng.random() < 0.5
            else:
                v = rng.choice(DTYPES)
            template.append([f"T{i}", kind, v])
    return {
        "name": rng.choice(["k", "myexp", "my_kernel2", "arg_test"]),
        "input_names": input_names,
        "output_names": output_names,
        "source": source,
        "header": header,
        "erc": rng.random() < 0.5,
        "atomic": rng.random() < 0.25,
        "inputs": [_random_input(rng) for _ in input_names],
        "output_shapes": [[rng.randint(1, 9)] for _ in output_names],
        "output_dtypes": [rng.choice(DTYPES) for _ in output_names],
        "template": template,
    }


def _case(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "k",
        "input_names": ["a"],
        "output_names": ["out"],
        "source": "out[0] = a[0];",
        "header": "",
        "erc": True,
        "atomic": False,
        "inputs": [{"kind": "array", "dtype": "float32", "shape": [16]}],
        "output_shapes": [[16]],
        "output_dtypes": ["float32"],
        "template": None,
    }
    base.update(kw)
    return base


F32 = {"kind": "array", "dtype": "float32", "shape": [16]}

HAND_PICKED = [
    # The reference's worked example: mixed inputs, three template kinds, two outputs.
    _case(
        name="arg_test",
        input_names=["a", "b", "c", "d"],
        output_names=["out1", "out2"],
        source="uint i = thread_position_in_grid.x; out1[i] = a[i]; out2[i] = b[i];",
        inputs=[
            {"kind": "array", "dtype": "float32", "shape": [3, 6]},
            {"kind": "array", "dtype": "int32", "shape": [3]},
            {"kind": "array", "dtype": "bfloat16", "shape": [2, 2]},
            {"kind": "scalar", "value": 7.3},
        ],
        output_shapes=[[3, 2], [3, 2]],
        output_dtypes=["float32", "int32"],
        template=[["e", "bool", True], ["f", "int", 3], ["T", "dtype", "float16"]],
    ),
    # Misplaced ") {": two outputs, shape parameters, no attribute.
    _case(
        input_names=["x"],
        output_names=["o1", "o2", "o3"],
        source="o1[0] = x_shape[0]; o2[0] = x_strides[0]; o3[0] = x_ndim;",
        inputs=[F32],
        output_shapes=[[1], [1], [1]],
        output_dtypes=["int32", "int64", "float32"],
    ),
    # Same but a 0-d input: its shape parameters are never added.
    _case(
        input_names=["x"],
        output_names=["o1", "o2"],
        source="o1[0] = x_shape[0] + x_ndim;",
        inputs=[{"kind": "array", "dtype": "float32", "shape": []}],
        output_shapes=[[1], [1]],
        output_dtypes=["float32", "float32"],
    ),
    # Overlapping attribute names, attributes only in a comment, header without newline.
    _case(
        source="// dispatch_threads_per_threadgroup dispatch_simdgroups_per_threadgroup\n"
        "out[0] = dispatch_quadgroups_per_threadgroup;",
        header="#define FOO 1",
        template=[["N", "int", -17], ["M", "int", 5], ["B", "bool", False]],
    ),
    # All twenty attributes, atomic outputs.
    _case(
        source="\n".join(f"(void){a};" for a in ATTRS),
        atomic=True,
        output_names=["acc", "cnt"],
        output_shapes=[[1], [1]],
        output_dtypes=["float32", "int32"],
    ),
    # Zero inputs, scalar Python inputs of every kind, size-0 and size-8 arrays.
    _case(input_names=[], inputs=[]),
    _case(
        input_names=["i", "f", "b", "e", "s8", "big"],
        inputs=[
            {"kind": "scalar", "value": 3},
            {"kind": "scalar", "value": 2.5},
            {"kind": "scalar", "value": True},
            {"kind": "array", "dtype": "float16", "shape": [0]},
            {"kind": "array", "dtype": "uint8", "shape": [8]},
            {"kind": "scalar", "value": 2**40},  # beyond int32: int64
        ],
        source="out[0] = e_shape[0] + s8_strides[0] + i_ndim;",
    ),
    # float64 and complex64 inputs reach the generator too.
    _case(
        input_names=["d", "z"],
        inputs=[
            {"kind": "array", "dtype": "float64", "shape": [9]},
            {"kind": "array", "dtype": "complex64", "shape": [2, 5]},
        ],
    ),
    _case(output_dtypes=["float64"]),
    # NumPy arrays and scalars go through MLX's ndarray conversion (float64 -> float32, ...).
    _case(
        input_names=["a", "b", "c", "d", "e", "f"],
        inputs=[
            {"kind": "numpy", "dtype": "float64", "shape": [3, 4]},
            {"kind": "numpy", "dtype": "int64", "shape": [2]},
            {"kind": "numpy", "dtype": "float16", "shape": []},
            {"kind": "npscalar", "dtype": "float64", "value": 1.5},  # a Python float subclass
            {"kind": "npscalar", "dtype": "int16", "value": 3},
            {"kind": "npscalar", "dtype": "bool_", "value": True},
        ],
        source="out[0] = a_shape[0];",
    ),
    # Empty template list: no template at all.
    _case(template=[]),
    # Name that is a substring of another name: substring detection is per name.
    _case(
        input_names=["x", "xx"],
        inputs=[F32, F32],
        source="out[0] = xx_shape[0];",
    ),
]


N_RANDOM = 240
Oracle = tuple[list[dict[str, Any]], list[str]]


def _all_cases() -> list[dict[str, Any]]:
    cases = list(HAND_PICKED)
    cases += [_random_case(seed) for seed in range(N_RANDOM)]
    return cases


def _ours(case: dict[str, Any]) -> str:
    inputs = []
    for spec in case["inputs"]:
        # Python/NumPy values follow MLX's to_array (int -> int32/int64, float -> float32, ...).
        inputs.append(signature.InputDesc.of(arguments.to_array(build_input(spec))))
    tmpl = build_template(case["template"]) or ()
    gen = signature.generate(
        case["name"],
        case["input_names"],
        case["output_names"],
        case["source"],
        case["header"],
        inputs,
        [getattr(mx, d) for d in case["output_dtypes"]],
        tmpl,
        case["atomic"],
    )
    return signature.verbose_text(case["name"], gen.source)


@pytest.fixture(scope="module")
def oracle() -> Oracle:
    cases = _all_cases()
    return cases, mlx_verbose_outputs(cases)


def test_signature_matches_mlx_byte_for_byte(oracle: Oracle) -> None:
    cases, expected = oracle
    assert len(cases) > 200
    mismatches = []
    for case, want in zip(cases, expected, strict=True):
        # MLX prints the source, then rejects float64 when it creates the arrays.
        want, _, err = want.partition("\n@@CASE-ERROR@@")
        uses_f64 = "float64" in case["output_dtypes"] or any(
            i.get("dtype") == "float64" and i["kind"] == "array" for i in case["inputs"]
        )
        assert err == ("ValueError: float64 is not supported on the GPU" if uses_f64 else ""), case
        got = _ours(case)
        if got != want:
            mismatches.append((case, want, got))
    assert not mismatches, f"{len(mismatches)} mismatches; first:\n{mismatches[0]}"


def test_oracle_covers_the_quirks(oracle: Oracle) -> None:
    """The comparison above is only meaningful if MLX really showed these features."""
    _, expected = oracle
    text = "\n".join(expected)
    assert "#define FOO 1template <" in text  # no newline after header
    assert "]]) {\n  device" in text  # misplaced ") {"
    assert "__17_5_0" in text  # negative template int in the hash
    assert "const constant float& " in text and "const constant int32_t* " in text
    assert "device atomic<float>* acc" in text
    assert "uint3 threads_per_threadgroup [[threads_per_threadgroup]]" in text


def test_kernel_call_prints_what_mlx_prints(
    oracle: Oracle, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole call path (argument conversion included) reproduces MLX's verbose output."""
    cases, expected = oracle
    for case, want in zip(cases, expected, strict=True):
        want_text, _, want_err = want.partition("\n@@CASE-ERROR@@")
        k = metalsim.metal_kernel(
            case["name"], case["input_names"], case["output_names"], case["source"],
            case["header"], case["erc"], case["atomic"],
        )  # fmt: skip
        kw: dict[str, Any] = dict(
            inputs=[build_input(s) for s in case["inputs"]],
            output_shapes=[tuple(s) for s in case["output_shapes"]],
            output_dtypes=[getattr(mx, d) for d in case["output_dtypes"]],
            grid=(1, 1, 1),
            threadgroup=(1, 1, 1),
            verbose=True,
        )
        if case["template"] is not None:
            kw["template"] = build_template(case["template"])
        err = ""
        try:
            k.prepare(**kw)
        except Exception as e:  # noqa: BLE001 - compared with MLX's error below
            err = f"{type(e).__name__}: {e}"
        assert capsys.readouterr().out == want_text, case
        assert err == want_err, case
