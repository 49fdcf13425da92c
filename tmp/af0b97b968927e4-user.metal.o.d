user.metal.o: /tmp/metalsim-k-ql49enhk/user.metal.cpp
