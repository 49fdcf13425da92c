user.metal.o: /tmp/metalsim-k-n1ohajnl/user.metal.cpp
