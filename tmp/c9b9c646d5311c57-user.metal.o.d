user.metal.o: /tmp/metalsim-k-2h9q_hks/user.metal.cpp
