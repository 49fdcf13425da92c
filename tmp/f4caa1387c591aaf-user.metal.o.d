user.metal.o: /tmp/metalsim-k-el_rjk6m/user.metal.cpp
