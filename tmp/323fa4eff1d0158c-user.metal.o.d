user.metal.o: /tmp/metalsim-k-zqkskgnq/user.metal.cpp
