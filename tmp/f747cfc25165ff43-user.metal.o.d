user.metal.o: /tmp/metalsim-k-52qqjayl/user.metal.cpp
