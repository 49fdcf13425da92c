"""Running upstream code under metalsim: availability answered as on a Mac, files of a
checkout imported one by one, code blocks taken from documentation pages."""

from __future__ import annotations

import contextlib
import importlib.util
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def as_if_on_a_mac() -> Iterator[None]:
    """Make availability checks answer as on Apple silicon, with metalsim as the GPU.

    The projects decide at import time whether to build their kernels, from
    ``mx.metal.is_available()``, ``mx.is_available(mx.gpu)`` or ``mx.default_device()``.
    """
    import mlx.core as mx

    import metalsim

    saved = (mx.metal.is_available, mx.is_available, mx.default_device)
    gpu = mx.Device(mx.gpu)
    mx.metal.is_available = lambda: True
    mx.is_available = lambda device: True
    mx.default_device = lambda: gpu
    metalsim.install(force=True)
    try:
        yield
    finally:
        metalsim.uninstall()
        mx.metal.is_available, mx.is_available, mx.default_device = saved


def load_module(path: Path, name: str, package_root: Path | None = None) -> types.ModuleType:
    """Import one file of a checkout without running its package's ``__init__``.

    ``package_root`` is the directory of the top-level package, so relative imports in the
    file (``from .base import ...``) resolve inside the checkout.
    """
    if package_root is not None:
        parts = name.split(".")
        for depth in range(1, len(parts)):
            pkg_name = ".".join(parts[:depth])
            if pkg_name not in sys.modules:
                pkg = types.ModuleType(pkg_name)
                pkg.__path__ = [str(package_root.joinpath(*parts[1:depth]))]
                sys.modules[pkg_name] = pkg
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def rst_python_blocks(text: str) -> list[str]:
    """The ``.. code-block:: python`` bodies of an rST page, dedented."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        if re.match(r"\s*\.\. code-block:: python\s*$", lines[i]):
            i += 1
            body: list[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                body.append(lines[i])
                i += 1
            indent = min(len(x) - len(x.lstrip()) for x in body if x.strip())
            blocks.append("\n".join(x[indent:] for x in body).strip() + "\n")
        else:
            i += 1
    return blocks
