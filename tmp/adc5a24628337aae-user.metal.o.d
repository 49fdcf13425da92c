user.metal.o: /tmp/metalsim-k-10p_h8o4/user.metal.cpp
