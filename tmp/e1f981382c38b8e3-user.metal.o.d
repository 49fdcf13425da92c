user.metal.o: /tmp/metalsim-k-3fhh8f3l/user.metal.cpp
