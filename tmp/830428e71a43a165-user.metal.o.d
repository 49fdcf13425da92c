user.metal.o: /tmp/metalsim-k-nec8027u/user.metal.cpp
