user.metal.o: /tmp/metalsim-k-wqbpqamu/user.metal.cpp
