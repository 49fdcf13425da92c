user.metal.o: /tmp/metalsim-k-5s9cws6r/user.metal.cpp
