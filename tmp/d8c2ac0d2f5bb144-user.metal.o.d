user.metal.o: /tmp/metalsim-k-3h1djiu3/user.metal.cpp
