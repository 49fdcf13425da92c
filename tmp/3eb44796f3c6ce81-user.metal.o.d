user.metal.o: /tmp/metalsim-k-7ejidjp6/user.metal.cpp
