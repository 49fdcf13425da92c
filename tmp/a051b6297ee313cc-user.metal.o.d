user.metal.o: /tmp/metalsim-k-qhuqdy2_/user.metal.cpp
