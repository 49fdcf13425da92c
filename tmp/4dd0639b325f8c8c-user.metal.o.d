user.metal.o: /tmp/metalsim-k-xi0pz1vt/user.metal.cpp
