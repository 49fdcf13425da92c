"""CI support for Metal runs: device labels, feature probes, and the Metal-vs-metalsim cross-check.

The pytest plugin (``metal_guide.ci._pytest_plugin``) ties these together; the logic lives in
plain modules so that it is tested on Linux with injected probe results and synthetic arrays.
"""
