user.metal.o: /tmp/metalsim-k-b3qr5b1f/user.metal.cpp
