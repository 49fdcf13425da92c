user.metal.o: /tmp/metalsim-k-eb0h24mt/user.metal.cpp
