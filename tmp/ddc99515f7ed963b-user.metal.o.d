user.metal.o: /tmp/metalsim-k-37nn38ls/user.metal.cpp
