user.metal.o: /tmp/metalsim-k-gimrgduj/user.metal.cpp
