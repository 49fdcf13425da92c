user.metal.o: /tmp/metalsim-k-h856s7vi/user.metal.cpp
