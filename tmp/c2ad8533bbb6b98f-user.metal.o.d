user.metal.o: /tmp/metalsim-k-m1nuob_j/user.metal.cpp
