user.metal.o: /tmp/metalsim-k-w9fw08ix/user.metal.cpp
