user.metal.o: /tmp/metalsim-k-7lj9utes/user.metal.cpp
