user.metal.o: /tmp/metalsim-k-vf5bla4z/user.metal.cpp
