user.metal.o: /tmp/metalsim-k-3o71qui3/user.metal.cpp
