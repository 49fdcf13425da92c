user.metal.o: /tmp/metalsim-k-7hmywez8/user.metal.cpp
