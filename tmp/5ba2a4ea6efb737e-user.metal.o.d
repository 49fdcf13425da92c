user.metal.o: /tmp/metalsim-k-fsus5wgz/user.metal.cpp
