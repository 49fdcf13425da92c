user.metal.o: /tmp/metalsim-k-sphmiuyo/user.metal.cpp
