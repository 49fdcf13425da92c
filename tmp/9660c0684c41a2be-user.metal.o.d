user.metal.o: /tmp/metalsim-k-phdaha9w/user.metal.cpp
