user.metal.o: /tmp/metalsim-k-ze252mp5/user.metal.cpp
