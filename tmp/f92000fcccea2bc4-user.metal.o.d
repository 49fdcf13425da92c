user.metal.o: /tmp/metalsim-k-44xqg5yh/user.metal.cpp
