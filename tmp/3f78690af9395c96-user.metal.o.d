user.metal.o: /tmp/metalsim-k-eu_9shye/user.metal.cpp
