user.metal.o: /tmp/metalsim-k-2tbbneh7/user.metal.cpp
