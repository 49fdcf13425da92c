user.metal.o: /tmp/metalsim-k-iezfzfgl/user.metal.cpp
