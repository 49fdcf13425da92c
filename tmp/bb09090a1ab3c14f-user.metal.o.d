user.metal.o: /tmp/metalsim-k-6ygrjueb/user.metal.cpp
