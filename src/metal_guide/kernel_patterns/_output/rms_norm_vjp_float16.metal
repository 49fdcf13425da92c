template <typename T>
[[kernel]] void custom_kernel_second_kernel_rms_norm_vjp__float16_t_float16_t_float16_t_float16_t_uint32_ts_floats_float_float(
  const device float16_t* x [[buffer(0)]],
  const device float16_t* weight [[buffer(1)]],
  const device float16_t* g [[buffer(2)]],
  const constant uint32_t& n [[buffer(3)]],
  const constant float& eps [[buffer(4)]],
  device atomic<float>* dx [[buffer(5)]],
  device atomic<float>* dw [[buffer(6)]],
  uint simdgroup_index_in_threadgroup [[simdgroup_index_in_threadgroup]],
  uint simdgroups_per_threadgroup [[simdgroups_per_threadgroup]],
  uint thread_index_in_simdgroup [[thread_index_in_simdgroup]],
  uint3 thread_position_in_threadgroup [[thread_position_in_threadgroup]],
  uint3 threadgroup_position_in_grid [[threadgroup_position_in_grid]],
  uint3 threads_per_threadgroup [[threads_per_threadgroup]]) {

    uint row = threadgroup_position_in_grid.x;
    uint lane = thread_index_in_simdgroup;
    uint group = simdgroup_index_in_threadgroup;
    size_t base = size_t(row) * n;

    float2 sums = 0.0f;  // (sum x*x, sum g*w*x)
    for (uint i = thread_position_in_threadgroup.x; i < n;
         i += threads_per_threadgroup.x) {
        float v = float(x[base + i]);
        sums += float2(v * v, float(g[base + i]) * float(weight[i]) * v);
    }
    sums = simd_sum(sums);

    threadgroup float2 group_sums[32];
    if (lane == 0) {
        group_sums[group] = sums;
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    if (group == 0) {
        float2 s = lane < simdgroups_per_threadgroup ? group_sums[lane] : float2(0.0f);
        s = simd_sum(s);
        if (lane == 0) {
            float r = metal::rsqrt(s.x / float(n) + eps);
            group_sums[0] = float2(r, r * r * r * s.y / float(n));
        }
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    float r = group_sums[0].x;
    float c = group_sums[0].y;

    for (uint i = thread_position_in_threadgroup.x; i < n;
         i += threads_per_threadgroup.x) {
        float v = float(x[base + i]);
        float gi = float(g[base + i]);
        // Only this thread writes dx[base + i]; many rows add to dw[i].
        atomic_store_explicit(&dx[base + i], r * gi * float(weight[i]) - v * c,
                              memory_order_relaxed);
        atomic_fetch_add_explicit(&dw[i], gi * v * r, memory_order_relaxed);
    }

}

template [[host_name("custom_kernel_second_kernel_rms_norm_vjp__float16_t_float16_t_float16_t_float16_t_uint32_ts_floats_float_float")]] [[kernel]] decltype(custom_kernel_second_kernel_rms_norm_vjp__float16_t_float16_t_float16_t_float16_t_uint32_ts_floats_float_float<float16_t>) custom_kernel_second_kernel_rms_norm_vjp__float16_t_float16_t_float16_t_float16_t_uint32_ts_floats_float_float<float16_t>;
