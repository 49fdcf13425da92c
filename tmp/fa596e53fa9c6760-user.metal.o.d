user.metal.o: /tmp/metalsim-k-6d2vjoa3/user.metal.cpp
