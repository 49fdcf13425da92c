user.metal.o: /tmp/metalsim-k-sib2nrgp/user.metal.cpp
