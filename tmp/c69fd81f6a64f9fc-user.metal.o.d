user.metal.o: /tmp/metalsim-k-povs9r_t/user.metal.cpp
