user.metal.o: /tmp/metalsim-k-kiedhmgz/user.metal.cpp
