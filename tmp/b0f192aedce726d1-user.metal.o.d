user.metal.o: /tmp/metalsim-k-gmnc5hcf/user.metal.cpp
