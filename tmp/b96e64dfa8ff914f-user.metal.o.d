user.metal.o: /tmp/metalsim-k-4nfi9aou/user.metal.cpp
