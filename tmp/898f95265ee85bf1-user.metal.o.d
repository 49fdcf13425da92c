user.metal.o: /tmp/metalsim-k-x90t2mzc/user.metal.cpp
