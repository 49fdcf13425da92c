user.metal.o: /tmp/metalsim-k-n9xbv0jr/user.metal.cpp
