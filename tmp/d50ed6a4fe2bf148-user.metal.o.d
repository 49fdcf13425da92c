user.metal.o: /tmp/metalsim-k-a0_is8kb/user.metal.cpp \
  /work/main/src/metalsim/include/metalsim/metal_stdlib \
  /work/main/src/metalsim/include/metalsim/metal_simdgroup
