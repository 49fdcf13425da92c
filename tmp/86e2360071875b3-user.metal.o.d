user.metal.o: /tmp/metalsim-k-49890vjh/user.metal.cpp
