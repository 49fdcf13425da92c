user.metal.o: /tmp/metalsim-k-9ui2_got/user.metal.cpp
