"""Pitfall: one random key used twice."""

# --8<-- [start:broken]
import mlx.core as mx


def broken(seed: int) -> tuple[mx.array, mx.array]:
    key = mx.random.key(seed)
    noise = mx.random.normal((4,), key=key)
    dropout_mask = mx.random.bernoulli(0.5, (4,), key=key)  # same key again
    init = mx.random.normal((4,), key=key)  # identical to `noise`
    return noise, init + 0 * dropout_mask
# --8<-- [end:broken]


# --8<-- [start:fixed]
def fixed(seed: int) -> tuple[mx.array, mx.array]:
    noise_key, mask_key, init_key = mx.random.split(mx.random.key(seed), 3)
    noise = mx.random.normal((4,), key=noise_key)
    dropout_mask = mx.random.bernoulli(0.5, (4,), key=mask_key)
    init = mx.random.normal((4,), key=init_key)  # independent of `noise`
    return noise, init + 0 * dropout_mask
# --8<-- [end:fixed]


if __name__ == "__main__":
    a, b = broken(0)
    print(f"broken: equal = {mx.array_equal(a, b).item()}")
    a, b = fixed(0)
    print(f"fixed: equal = {mx.array_equal(a, b).item()}")
