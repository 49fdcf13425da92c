user.metal.o: /tmp/metalsim-k-e23kolkb/user.metal.cpp
