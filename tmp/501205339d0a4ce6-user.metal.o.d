user.metal.o: /tmp/metalsim-k-j_7773rm/user.metal.cpp
