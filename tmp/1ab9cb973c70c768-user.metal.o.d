user.metal.o: /tmp/metalsim-k-rp10wr2h/user.metal.cpp
