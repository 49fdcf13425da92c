user.metal.o: /tmp/metalsim-k-je2q857u/user.metal.cpp
