user.metal.o: /tmp/metalsim-k-i6_t5g1r/user.metal.cpp
