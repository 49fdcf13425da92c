"""The performance lint's rules, each with a kernel that breaks it and a close one that
does not (the lint's tests use these; the page shows how to run the lint on them)."""

# rule -> (Metal source that breaks it, Metal source that does not, input names)
METAL_EXAMPLES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "stack-array-dynamic-index": (
        """
        uint i = thread_position_in_grid.x;
        float v[4];
        for (int k = 0; k < 4; ++k) { v[k] = float(x[4 * i + k]); }
        out[i] = T(v[idx[i] & 3]);
        """,
        """
        uint i = thread_position_in_grid.x;
        float v[4];
        for (int k = 0; k < 4; ++k) { v[k] = float(x[4 * i + k]); }
        float best = v[0];
        for (int k = 1; k < 4; ++k) { best = metal::max(best, v[k]); }
        const float w[2] = {0.5f, 0.25f};
        out[i] = T(best * w[idx[i] & 1]);
        """,
        ("x", "idx"),
    ),
    "runtime-integer-division": (
        """
        uint i = thread_position_in_grid.x;
        for (uint k = 0; k < 4; ++k) { uint j = 4 * i + k; out[j] = x[j % cols]; }
        """,
        """
        uint i = thread_position_in_grid.x;
        uint c = (4 * i) % cols;  // once, outside the loop
        for (uint k = 0; k < 4; ++k) { out[4 * i + k] = x[c + k / 2 + k % N]; }
        out[i] = T(float(x[i]) / float(cols));
        """,
        ("x", "cols"),
    ),
    "double": (
        """
        uint i = thread_position_in_grid.x;
        double acc = double(x[i]);
        out[i] = T(acc);
        """,
        """
        uint i = thread_position_in_grid.x;
        float acc = float(x[i]);
        out[i] = T(acc);
        """,
        ("x",),
    ),
    "implicit-bfloat": (
        """
        uint i = thread_position_in_grid.x;
        out[i] = float(x[i]) * 2.0f;
        """,
        """
        uint i = thread_position_in_grid.x;
        out[i] = T(float(x[i]) * 2.0f);
        """,
        ("x",),
    ),
    "divergent-barrier": (
        """
        uint lid = thread_position_in_threadgroup.x;
        threadgroup float tile[64];
        tile[lid] = float(x[lid]);
        if (lid < 32) {
            threadgroup_barrier(mem_flags::mem_threadgroup);
        }
        out[lid] = T(tile[63 - lid]);
        """,
        """
        uint lid = thread_position_in_threadgroup.x;
        uint g = threadgroup_position_in_grid.x;
        threadgroup float tile[64];
        tile[lid] = float(x[lid]);
        for (uint s = 32; s > 0; s >>= 1) {
            if (lid < s) { tile[lid] += tile[lid + s]; }
            threadgroup_barrier(mem_flags::mem_threadgroup);
        }
        if (g > 3) {  // the same for every thread of a threadgroup
            simdgroup_barrier(mem_flags::mem_none);
        }
        out[lid] = T(tile[0]);
        """,
        ("x",),
    ),
}


# The call-side rules read Python: each example is a file body after PYTHON_HEAD.
PYTHON_HEAD = '''
import functools
import mlx.core as mx

SRC = "uint i = thread_position_in_grid.x; out[i] = x[i];"
'''

PYTHON_EXAMPLES: dict[str, tuple[str, str]] = {
    "threadgroup-size": (
        """
        K = mx.fast.metal_kernel(name="k", input_names=["x"], output_names=["out"],
                                 source=SRC)
        def f(x):
            return K(inputs=[x], grid=(x.size, 1, 1), threadgroup=(48, 1, 1),
                     output_shapes=[x.shape], output_dtypes=[x.dtype])[0]
        def g(x):
            return K(inputs=[x], grid=(x.size, 1, 1), threadgroup=(64, 32, 1),
                     output_shapes=[x.shape], output_dtypes=[x.dtype])[0]
        """,
        """
        K = mx.fast.metal_kernel(name="k", input_names=["x"], output_names=["out"],
                                 source=SRC)
        TG = 256
        def f(x, tg):
            K(inputs=[x], grid=(x.size, 1, 1), threadgroup=(16, 16, 1),
              output_shapes=[x.shape], output_dtypes=[x.dtype])
            K(inputs=[x], grid=(x.size, 1, 1), threadgroup=(TG, 1, 1),
              output_shapes=[x.shape], output_dtypes=[x.dtype])
            return K(inputs=[x], grid=(x.size, 1, 1), threadgroup=(tg, 1, 1),
                     output_shapes=[x.shape], output_dtypes=[x.dtype])[0]
        """,
    ),
    "kernel-built-per-call": (
        """
        def scale(x):
            kernel = mx.fast.metal_kernel(name="k", input_names=["x"],
                                          output_names=["out"], source=SRC)
            return kernel(inputs=[x], grid=(x.size, 1, 1), threadgroup=(256, 1, 1),
                          output_shapes=[x.shape], output_dtypes=[x.dtype])[0]
        """,
        """
        @functools.cache
        def scale_kernel():
            return mx.fast.metal_kernel(name="k", input_names=["x"],
                                        output_names=["out"], source=SRC)
        def make():
            return mx.fast.metal_kernel(name="k2", input_names=["x"],
                                        output_names=["out"], source=SRC)
        K2 = make()
        def scale(x):
            return scale_kernel()(inputs=[x], grid=(x.size, 1, 1),
                                  threadgroup=(256, 1, 1), output_shapes=[x.shape],
                                  output_dtypes=[x.dtype])[0]
        """,
    ),
    "template-churn": (
        """
        K = mx.fast.metal_kernel(name="k", input_names=["x"], output_names=["out"],
                                 source=SRC)
        def f(x):
            return K(inputs=[x], template=[("T", x.dtype), ("COLS", x.shape[-1])],
                     grid=(x.size, 1, 1), threadgroup=(256, 1, 1),
                     output_shapes=[x.shape], output_dtypes=[x.dtype])[0]
        """,
        """
        K = mx.fast.metal_kernel(name="k", input_names=["x"], output_names=["out"],
                                 source=SRC)
        def f(x, n_per_thread=4):
            return K(inputs=[x], template=[("T", x.dtype), ("N", n_per_thread)],
                     grid=(x.size, 1, 1), threadgroup=(256, 1, 1),
                     output_shapes=[x.shape], output_dtypes=[x.dtype])[0]
        """,
    ),
    "scalar-inputs": (
        """
        K = mx.fast.metal_kernel(name="k", input_names=["x", "a", "b", "c", "d"],
                                 output_names=["out"], source=SRC)
        def f(x):
            return K(inputs=[x, 1.0, 2.0, mx.array(3.0), x.shape[0]],
                     grid=(x.size, 1, 1), threadgroup=(256, 1, 1),
                     output_shapes=[x.shape], output_dtypes=[x.dtype])[0]
        """,
        """
        K = mx.fast.metal_kernel(name="k", input_names=["x", "params", "n"],
                                 output_names=["out"], source=SRC)
        def f(x, w):
            params = mx.array([1.0, 2.0, 3.0, 4.0])
            return K(inputs=[x, params, x.shape[0], w, mx.array([1, 2])],
                     grid=(x.size, 1, 1), threadgroup=(256, 1, 1),
                     output_shapes=[x.shape], output_dtypes=[x.dtype])[0]
        """,
    ),
}


if __name__ == "__main__":
    # --8<-- [start:lint-api]
    from metal_guide.wwdc16_optimization.lint_examples import METAL_EXAMPLES
    from metalsim.lint import KernelSpec, lint_kernel

    for rule_id, (bad, good, inputs) in METAL_EXAMPLES.items():
        for label, source in (("bad", bad), ("good", good)):
            spec = KernelSpec("example", list(inputs), ["out"], source,
                              template={"T": "typename", "N": "int"})
            found = [f.rule for f in lint_kernel(spec)]
            print(f"{rule_id:26} {label:4} -> {found}")
    # --8<-- [end:lint-api]
