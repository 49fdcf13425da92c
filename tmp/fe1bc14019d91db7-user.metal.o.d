user.metal.o: /tmp/metalsim-k-gr_z2w3s/user.metal.cpp
