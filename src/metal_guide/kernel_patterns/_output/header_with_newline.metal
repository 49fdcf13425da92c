#define SCALE 2.0f
[[kernel]] void custom_kernel_patterns_quirks_float_float(
  const device float* inp [[buffer(0)]],
  device float* out [[buffer(1)]],
  uint3 thread_position_in_grid [[thread_position_in_grid]],
  uint3 threadgroup_position_in_grid [[threadgroup_position_in_grid]]) {

    // threadgroup_position_in_grid is not used; this comment alone declares it.
    uint i = thread_position_in_grid.x;
    out[i] = SCALE * inp[i];

}
