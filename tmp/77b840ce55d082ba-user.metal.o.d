user.metal.o: /tmp/metalsim-k-3hi9oml2/user.metal.cpp
