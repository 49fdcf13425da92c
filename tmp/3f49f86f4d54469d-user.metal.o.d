user.metal.o: /tmp/metalsim-k-gc4iddzn/user.metal.cpp
