user.metal.o: /tmp/metalsim-k-e1r5z2gp/user.metal.cpp
