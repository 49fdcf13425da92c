user.metal.o: /tmp/metalsim-k-ohovy8dl/user.metal.cpp
