user.metal.o: /tmp/metalsim-k-nuwofga0/user.metal.cpp
