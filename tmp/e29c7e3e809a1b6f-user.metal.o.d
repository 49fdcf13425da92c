user.metal.o: /tmp/metalsim-k-d_jaky_x/user.metal.cpp
