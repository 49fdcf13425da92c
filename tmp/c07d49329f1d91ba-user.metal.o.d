user.metal.o: /tmp/metalsim-k-03ll_f6o/user.metal.cpp
