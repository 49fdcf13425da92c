user.metal.o: /tmp/metalsim-k-fvkx28nu/user.metal.cpp
