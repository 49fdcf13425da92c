"""Nothing runs until you evaluate: `mx.eval`, `mx.async_eval`, and what `mx.synchronize` does."""

from __future__ import annotations

import mlx.core as mx


def eval_and_async_eval() -> tuple[float, float]:
    # --8<-- [start:eval]
    x = mx.random.normal((512, 512))
    y = (x @ x).sum()  # a graph: no work has run
    mx.eval(y)  # runs the graph and waits for it
    z = (x * 2).sum()
    mx.async_eval(z)  # submits the graph and returns at once
    # ... other Python work here overlaps with the evaluation ...
    print(z.item())  # reading the value waits for it
    # --8<-- [end:eval]
    return y.item(), z.item()


def synchronize_evaluates_nothing() -> tuple[int, int, int]:
    # --8<-- [start:synchronize]
    big = mx.arange(1 << 20, dtype=mx.float32)  # 4 MiB once evaluated
    base = mx.get_active_memory()
    mx.synchronize(mx.gpu)  # waits for work already submitted: there is none
    after_synchronize = mx.get_active_memory() - base
    mx.eval(big)
    after_eval = mx.get_active_memory() - base
    print(f"after synchronize: {after_synchronize} bytes, after eval: {after_eval} bytes")
    # --8<-- [end:synchronize]
    return base, after_synchronize, after_eval


if __name__ == "__main__":
    from metal_guide.timeline.gpu_mapping import cpu_if_no_gpu

    with cpu_if_no_gpu():
        eval_and_async_eval()
        synchronize_evaluates_nothing()
