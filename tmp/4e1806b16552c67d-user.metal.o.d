user.metal.o: /tmp/metalsim-k-fd1bgmrp/user.metal.cpp
