"""Testing on Linux: the pytest plugin, enabled in a conftest.py, and a test it makes run.

The plugin is opt-in. It installs metalsim for the session when there is no Metal device,
labels the tests that launched emulated kernels and prints a summary line.
"""

# --8<-- [start:test]
# test_scale.py: an ordinary test; on Linux the plugin makes its kernel run emulated
import mlx.core as mx

from metal_guide.testing_on_linux.scale import scale


def test_scale_doubles() -> None:
    x = mx.arange(1000, dtype=mx.float32)
    assert mx.array_equal(scale(x, 2.0), 2 * x)
# --8<-- [end:test]


# --8<-- [start:conftest]
# conftest.py at the root of your tests
pytest_plugins = ["metalsim.pytest_plugin"]
# --8<-- [end:conftest]


if __name__ == "__main__":
    import metalsim

    with metalsim.installed():
        test_scale_doubles()
    print("test_scale_doubles passed")
