user.metal.o: /tmp/metalsim-k-s14nuvlb/user.metal.cpp
