"""The worker pool under Python threads and fork()."""

from __future__ import annotations

import os
import sys
import threading

import numpy as np
import pytest

from .conftest import Runner


def tree_once(run: Runner, seed: int) -> bool:
    x = np.random.default_rng(seed).standard_normal(2048).astype(np.float32)
    out = np.zeros(8, np.float32)
    run("k_tree", [x, out], (2048, 1, 1), (256, 1, 1), workers=2, schedule="random", seed=seed)
    return bool(np.allclose(out, x.reshape(8, 256).sum(1), rtol=1e-4, atol=1e-4))


def test_concurrent_launches_from_python_threads(run: Runner) -> None:
    results: list[bool] = []
    lock = threading.Lock()

    def body(i: int) -> None:
        for j in range(10):
            ok = tree_once(run, 100 * i + j)
            with lock:
                results.append(ok)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 40 and all(results)


@pytest.mark.skipif(sys.platform == "win32" or not hasattr(os, "fork"), reason="needs fork")
def test_launch_in_forked_child(run: Runner) -> None:
    assert tree_once(run, 1)  # the parent's pool exists (helper threads running)
    pid = os.fork()
    if pid == 0:  # child: only this thread survived the fork; the pool must be rebuilt
        code = 0
        try:
            code = 0 if tree_once(run, 2) else 1
        except BaseException:  # noqa: BLE001
            code = 2
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    assert tree_once(run, 3)
