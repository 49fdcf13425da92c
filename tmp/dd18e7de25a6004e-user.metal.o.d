user.metal.o: /tmp/metalsim-k-ly7mz6b9/user.metal.cpp
