user.metal.o: /tmp/metalsim-k-loblz1_s/user.metal.cpp
