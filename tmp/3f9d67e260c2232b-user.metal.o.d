user.metal.o: /tmp/metalsim-k-rei12_ge/user.metal.cpp
