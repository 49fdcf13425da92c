user.metal.o: /tmp/metalsim-k-6klj4eux/user.metal.cpp
