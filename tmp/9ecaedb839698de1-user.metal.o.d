user.metal.o: /tmp/metalsim-k-3bo6k49y/user.metal.cpp
