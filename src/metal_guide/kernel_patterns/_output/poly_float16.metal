template <typename T, int DEGREE, bool CLAMP>
[[kernel]] void custom_kernel_patterns_poly__float16_t_2_0_float16_t_floatc_floats_float16_t(
  const device float16_t* x [[buffer(0)]],
  const constant float* c [[buffer(1)]],
  const constant float& limit [[buffer(2)]],
  device float16_t* out [[buffer(3)]],
  uint3 thread_position_in_grid [[thread_position_in_grid]]) {

    uint i = thread_position_in_grid.x;
    float v = float(x[i]);
    float acc = 0.0f;
    for (int k = DEGREE; k >= 0; --k) {  // Horner's rule, fixed trip count
        acc = acc * v + float(c[k]);
    }
    if (CLAMP) {
        acc = metal::clamp(acc, -limit, limit);
    }
    out[i] = T(acc);

}

template [[host_name("custom_kernel_patterns_poly__float16_t_2_0_float16_t_floatc_floats_float16_t")]] [[kernel]] decltype(custom_kernel_patterns_poly__float16_t_2_0_float16_t_floatc_floats_float16_t<float16_t, 2, 0>) custom_kernel_patterns_poly__float16_t_2_0_float16_t_floatc_floats_float16_t<float16_t, 2, 0>;
