user.metal.o: /tmp/metalsim-k-bgyy1fe6/user.metal.cpp
