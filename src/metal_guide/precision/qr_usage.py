"""Using the blocked Householder QR.

Each assert checks a claim of the guide page.
"""

# --8<-- [start:usage]
import mlx.core as mx
import numpy as np

from metal_guide.kernels.qr import qr

mx.random.seed(0)
a = mx.random.normal((300, 120))
q, r = qr(a)
assert q.shape == (300, 120) and r.shape == (120, 120)
# R is exactly upper triangular and its signs follow LAPACK's (hence NumPy's).
assert not mx.any(mx.tril(r, -1)).item()
_, r_np = np.linalg.qr(np.array(a, dtype=np.float64))
assert np.array_equal(np.sign(np.diag(np.array(r))), np.sign(np.diag(r_np)))
# --8<-- [end:usage]

if __name__ == "__main__":
    print("qr_usage: every assert held")
