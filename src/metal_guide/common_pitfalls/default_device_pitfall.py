"""Pitfall: `mx.default_device` is not a context manager; `mx.stream` is."""

# --8<-- [start:broken]
import mlx.core as mx


def broken() -> mx.array:
    with mx.default_device(mx.cpu):  # a getter: takes no argument
        return mx.ones(3) + 1
# --8<-- [end:broken]


# --8<-- [start:fixed]
def fixed() -> mx.array:
    with mx.stream(mx.cpu):  # sets the default device and stream, restores both after
        return mx.ones(3) + 1
# --8<-- [end:fixed]


if __name__ == "__main__":
    try:
        broken()
    except TypeError as e:
        print(str(e).splitlines()[0])
    assert mx.array_equal(fixed(), mx.full((3,), 2.0))
