user.metal.o: /tmp/metalsim-k-e0moxqac/user.metal.cpp
