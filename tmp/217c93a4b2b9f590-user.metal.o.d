user.metal.o: /tmp/metalsim-k-inouzwhi/user.metal.cpp
