user.metal.o: /tmp/metalsim-k-lo2jfevl/user.metal.cpp
