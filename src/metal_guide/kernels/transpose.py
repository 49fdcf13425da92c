"""2-D transpose through threadgroup memory, padded against bank conflicts.

A naive transpose either reads or writes with a stride of a whole row. Here a threadgroup copies
a 32x32 tile into threadgroup memory with coalesced reads, then writes it out transposed with
coalesced writes. The tile has 33 columns: with 32, the column read in the second phase would
hit one memory bank 32 times.
"""

from __future__ import annotations

# --8<-- [start:kernel]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.kernels.validation import check_float_array

TILE = 32
ROWS_PER_PASS = 8  # a 32x8 threadgroup moves the 32x32 tile in 4 passes

TRANSPOSE_SOURCE = """
    threadgroup T tile[TILE][TILE + 1];  // +1 column: see the module docstring
    uint rows = shape[0];
    uint cols = shape[1];
    uint tx = thread_position_in_threadgroup.x;
    uint ty = thread_position_in_threadgroup.y;
    uint col0 = threadgroup_position_in_grid.x * TILE;
    uint row0 = threadgroup_position_in_grid.y * TILE;
    // Read: consecutive threads (tx) read consecutive columns of one input row.
    for (uint k = ty; k < TILE; k += ROWS_PER_PASS) {
        uint r = row0 + k;
        uint c = col0 + tx;
        if (r < rows && c < cols) {
            tile[k][tx] = x[r * cols + c];
        }
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    // Write: consecutive threads write consecutive columns of one output row, i.e. they
    // read one column of the tile.
    for (uint k = ty; k < TILE; k += ROWS_PER_PASS) {
        uint r = col0 + k;   // output row = input column
        uint c = row0 + tx;  // output column = input row
        if (r < cols && c < rows) {
            out[r * rows + c] = tile[tx][k];
        }
    }
"""


@functools.cache
def transpose_kernel() -> Callable[..., list[mx.array]]:
    """One 32x8 threadgroup per 32x32 tile."""
    return mx.fast.metal_kernel(
        name="mg_transpose", input_names=["x", "shape"], output_names=["out"],
        source=TRANSPOSE_SOURCE,
    )  # fmt: skip
# --8<-- [end:kernel]


# --8<-- [start:launch]
def transpose(x: mx.array) -> mx.array:
    """`x.T` for a 2-D float array, as a new row-contiguous array.

    Raises:
        TypeError: `x` is not a float array.
        ValueError: `x` is not 2-D, is empty, or is too large.
    """
    x = check_float_array("transpose", "x", x)
    if x.ndim != 2:
        raise ValueError(f"transpose: `x` has {x.ndim} dimension(s); expected 2")
    rows, cols = x.shape
    tiles_x, tiles_y = -(-cols // TILE), -(-rows // TILE)
    (out,) = transpose_kernel()(
        inputs=[x, mx.array([rows, cols], dtype=mx.uint32)],
        template=[("T", x.dtype), ("TILE", TILE), ("ROWS_PER_PASS", ROWS_PER_PASS)],
        # grid counts threads: every tile gets a full 32x8 threadgroup.
        grid=(tiles_x * TILE, tiles_y * ROWS_PER_PASS, 1),
        threadgroup=(TILE, ROWS_PER_PASS, 1),
        output_shapes=[(cols, rows)],
        output_dtypes=[x.dtype],
    )
    return out
# --8<-- [end:launch]


# --8<-- [start:reference]
def transpose_reference(x: mx.array) -> mx.array:
    """`x.T`, made row-contiguous."""
    return mx.contiguous(x.T)
# --8<-- [end:reference]
