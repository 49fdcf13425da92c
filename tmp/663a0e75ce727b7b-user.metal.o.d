user.metal.o: /tmp/metalsim-k-s7e0i4cp/user.metal.cpp
