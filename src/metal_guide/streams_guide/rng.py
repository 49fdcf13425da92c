"""Random numbers with explicit keys: the same values whatever thread or stream draws them."""

from __future__ import annotations


def with_keys() -> tuple[list[list[float]], list[list[float]]]:
    # --8<-- [start:keys]
    import threading

    import mlx.core as mx

    root = mx.random.key(2026)
    keys = mx.random.split(root, 4)  # one key per piece of work

    def draw(i: int) -> list[float]:
        return mx.random.uniform(shape=(3,), key=keys[i]).tolist()

    in_order = [draw(i) for i in range(4)]
    from_threads: list[list[float]] = [[] for _ in range(4)]
    workers = [
        threading.Thread(target=lambda i=i: from_threads.__setitem__(i, draw(i)))
        for i in reversed(range(4))
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=30)
    print(in_order == from_threads)  # True: the key decides the values, not the thread
    # --8<-- [end:keys]
    return in_order, from_threads


if __name__ == "__main__":
    with_keys()
