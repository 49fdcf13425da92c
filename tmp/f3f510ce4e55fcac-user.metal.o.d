user.metal.o: /tmp/metalsim-k-rkgw9n0g/user.metal.cpp
