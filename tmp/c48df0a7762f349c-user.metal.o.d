user.metal.o: /tmp/metalsim-k-s2in3cwu/user.metal.cpp
