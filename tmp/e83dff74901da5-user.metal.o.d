user.metal.o: /tmp/metalsim-k-vxc4h18o/user.metal.cpp
