user.metal.o: /tmp/metalsim-k-gu3sz13d/user.metal.cpp
