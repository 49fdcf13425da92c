user.metal.o: /tmp/metalsim-k-pg6qd9yi/user.metal.cpp
