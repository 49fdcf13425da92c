user.metal.o: /tmp/metalsim-k-zs_htosr/user.metal.cpp
