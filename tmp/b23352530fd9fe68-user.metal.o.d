user.metal.o: /tmp/metalsim-k-ijxhvn6s/user.metal.cpp
