user.metal.o: /tmp/metalsim-k-st9busxk/user.metal.cpp
