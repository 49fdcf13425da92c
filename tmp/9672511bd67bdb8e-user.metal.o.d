user.metal.o: /tmp/metalsim-k-l39_b30j/user.metal.cpp
