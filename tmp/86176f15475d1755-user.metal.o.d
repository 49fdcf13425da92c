user.metal.o: /tmp/metalsim-k-1qfd4cc_/user.metal.cpp
