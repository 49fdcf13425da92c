user.metal.o: /tmp/metalsim-k-6mf3fn5d/user.metal.cpp
