user.metal.o: /tmp/metalsim-k-mz5u08u4/user.metal.cpp
