user.metal.o: /tmp/metalsim-k-4iuyol1l/user.metal.cpp
