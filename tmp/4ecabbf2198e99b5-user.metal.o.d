user.metal.o: /tmp/metalsim-k-wmpd419x/user.metal.cpp
