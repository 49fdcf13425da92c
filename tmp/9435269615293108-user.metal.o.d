user.metal.o: /tmp/metalsim-k-cga02zg_/user.metal.cpp
