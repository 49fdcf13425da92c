user.metal.o: /tmp/metalsim-k-xdis0w4x/user.metal.cpp
