user.metal.o: /tmp/metalsim-k-ikvwl8dg/user.metal.cpp
