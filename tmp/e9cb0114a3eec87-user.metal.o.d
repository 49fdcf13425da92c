user.metal.o: /tmp/metalsim-k-u8tfrsx5/user.metal.cpp
