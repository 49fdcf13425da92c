// The launch arithmetic of `mx.fast.metal_kernel`, without any drawing (dispatch-visualizer.js
// draws it). MLX's rules, from mlx/backend/metal/custom_kernel.cpp (CustomKernel::eval_gpu,
// https://github.com/ml-explore/mlx/blob/019be27718b98268d48659891b87efb69b608d20/mlx/backend/metal/custom_kernel.cpp):
//   1. the *requested* threadgroup's x*y*z is checked against the pipeline's
//      maxTotalThreadsPerThreadgroup (at most 1024) before any clamping, and over it is an error;
//   2. each threadgroup dimension is clamped to the grid: min(threadgroup, grid);
//   3. dispatchThreads(grid, clamped threadgroup): grid counts threads, and Metal's non-uniform
//      threadgroups make the last group in each dimension partial instead of launching extra
//      threads.
// Inside a threadgroup Metal forms SIMD groups of 32 consecutive thread_index_in_threadgroup
// values (x fastest). tests/site/browser/test_browser_dispatch_visualizer.py compares this
// module with the emulated kernel (metalsim) and MLX's error message.
(function (root) {
  "use strict";

  var SIMD_WIDTH = 32;
  var MAX_THREADS_PER_THREADGROUP = 1024;

  function ceilDiv(n, d) {
    return Math.floor((n + d - 1) / d);
  }

  function product(v) {
    return v[0] * v[1] * v[2];
  }

  // Threads in a group of `size` threads: how many SIMD groups, and the lanes of the last one.
  function simdSplit(size) {
    var groups = ceilDiv(size, SIMD_WIDTH);
    return { groups: groups, lastLanes: size - (groups - 1) * SIMD_WIDTH };
  }

  function checkDims(name, v) {
    if (!Array.isArray(v) || v.length !== 3) {
      return name + " needs three sizes (x, y, z)";
    }
    for (var i = 0; i < 3; i++) {
      if (!Number.isInteger(v[i]) || v[i] < 1 || v[i] > 2147483647) {
        return name + " sizes must be whole numbers from 1 to 2147483647";
      }
    }
    return null;
  }

  // The launch MLX makes for grid and threadgroup (arrays of 3 positive integers).
  // Returns {error, limit} when MLX would refuse it, else the numbers the visualizer draws.
  function plan(grid, threadgroup, maxThreads) {
    var limit = maxThreads || MAX_THREADS_PER_THREADGROUP;
    var bad = checkDims("grid", grid) || checkDims("threadgroup", threadgroup);
    if (bad) {
      return { error: bad, limit: false };
    }
    var requested = product(threadgroup);
    if (requested > limit) {
      // MLX's message, double space included.
      return {
        error: "Thread group size (" + requested + ") is greater than  the maximum allowed " +
          "threads per threadgroup (" + limit + ").",
        limit: true,
        requestedSize: requested,
      };
    }
    var effective = [0, 1, 2].map(function (d) { return Math.min(threadgroup[d], grid[d]); });
    var perDim = [0, 1, 2].map(function (d) {
      var full = Math.floor(grid[d] / effective[d]);
      var tail = grid[d] - full * effective[d];
      return { full: full, tail: tail, groups: full + (tail > 0 ? 1 : 0) };
    });
    // Every threadgroup is full or tail in each dimension: at most 8 distinct shapes.
    var shapes = [];
    var simdGroups = 0;
    for (var mask = 0; mask < 8; mask++) {
      var shape = [];
      var count = 1;
      for (var d = 0; d < 3; d++) {
        var isTail = (mask >> d) & 1;
        var size = isTail ? perDim[d].tail : effective[d];
        var n = isTail ? (perDim[d].tail > 0 ? 1 : 0) : perDim[d].full;
        shape.push(size);
        count *= n;
      }
      if (count === 0) continue;
      var threads = product(shape);
      var simd = simdSplit(threads);
      simdGroups += count * simd.groups;
      shapes.push({
        size: shape,
        count: count,
        threads: threads,
        partial: mask !== 0,
        simdGroups: simd.groups,
        lastSimdLanes: simd.lastLanes,
      });
    }
    var groups = [perDim[0].groups, perDim[1].groups, perDim[2].groups];
    var full = perDim[0].full * perDim[1].full * perDim[2].full;
    return {
      error: null,
      grid: grid.slice(),
      requested: threadgroup.slice(),
      effective: effective,
      clamped: [0, 1, 2].filter(function (d) { return effective[d] < threadgroup[d]; }),
      threadgroupsPerGrid: groups,
      threadgroups: product(groups),
      partialThreadgroups: product(groups) - full,
      threads: product(grid),
      simdGroups: simdGroups,
      shapes: shapes,
      simdWidth: SIMD_WIDTH,
      limit: limit,
    };
  }

  var api = {
    SIMD_WIDTH: SIMD_WIDTH,
    MAX_THREADS_PER_THREADGROUP: MAX_THREADS_PER_THREADGROUP,
    ceilDiv: ceilDiv,
    plan: plan,
  };
  if (typeof module !== "undefined" && module.exports) {
    module.exports = api;
  } else {
    root.metalDispatch = api;
  }
})(typeof globalThis !== "undefined" ? globalThis : this);
