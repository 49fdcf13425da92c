user.metal.o: /tmp/metalsim-k-3v73jxw8/user.metal.cpp
