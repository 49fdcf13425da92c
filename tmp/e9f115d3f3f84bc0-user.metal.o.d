user.metal.o: /tmp/metalsim-k-8pgfwbo7/user.metal.cpp
