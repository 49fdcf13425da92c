user.metal.o: /tmp/metalsim-k-gtlbs4l_/user.metal.cpp
