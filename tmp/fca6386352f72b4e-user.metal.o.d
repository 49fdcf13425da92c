user.metal.o: /tmp/metalsim-k-5om0_ep1/user.metal.cpp
