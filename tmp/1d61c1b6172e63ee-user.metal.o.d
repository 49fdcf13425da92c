user.metal.o: /tmp/metalsim-k-a2w2qjmk/user.metal.cpp
