user.metal.o: /tmp/metalsim-k-b8nngw7k/user.metal.cpp
