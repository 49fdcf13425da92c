user.metal.o: /tmp/metalsim-k-dlpr9803/user.metal.cpp
