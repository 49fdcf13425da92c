"""Pitfall: `mx.where` computes both branches, and so does its gradient."""

# --8<-- [start:broken]
import mlx.core as mx


def broken(x: mx.array) -> mx.array:
    # sqrt is evaluated for x < 0 too; its NaN gradient times 0 is still NaN.
    return mx.where(x > 0, mx.sqrt(x), 0.0).sum()
# --8<-- [end:broken]


# --8<-- [start:fixed]
def fixed(x: mx.array) -> mx.array:
    safe_x = mx.where(x > 0, x, 1.0)  # only safe values reach sqrt
    return mx.where(x > 0, mx.sqrt(safe_x), 0.0).sum()
# --8<-- [end:fixed]


if __name__ == "__main__":
    x = mx.array([-1.0, 4.0])
    print(f"broken: {mx.grad(broken)(x)}")
    print(f"fixed: {mx.grad(fixed)(x)}")
