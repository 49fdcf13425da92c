user.metal.o: /tmp/metalsim-k-nqlkjecp/user.metal.cpp
