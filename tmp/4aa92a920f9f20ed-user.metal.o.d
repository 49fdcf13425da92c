user.metal.o: /tmp/metalsim-k-olvltcq_/user.metal.cpp
