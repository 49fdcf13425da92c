user.metal.o: /tmp/metalsim-k-lj1bi9vj/user.metal.cpp
