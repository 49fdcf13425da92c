"""Pitfall: broadcasting a column against a row."""

# --8<-- [start:broken]
import mlx.core as mx


def broken(pred: mx.array, target: mx.array) -> mx.array:
    # pred is (n, 1) from a linear layer, target is (n,): the difference is (n, n).
    return mx.mean((pred - target) ** 2)
# --8<-- [end:broken]


# --8<-- [start:fixed]
def fixed(pred: mx.array, target: mx.array) -> mx.array:
    pred = pred.squeeze(-1)  # (n, 1) -> (n,)
    assert pred.shape == target.shape, (pred.shape, target.shape)
    return mx.mean((pred - target) ** 2)
# --8<-- [end:fixed]


if __name__ == "__main__":
    pred = mx.array([[1.0], [2.0], [3.0]])
    target = mx.array([1.0, 2.0, 3.0])
    print(f"broken: {broken(pred, target).item():.4f}, fixed: {fixed(pred, target).item()}")
