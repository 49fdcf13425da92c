user.metal.o: /tmp/metalsim-k-dsvjey13/user.metal.cpp
