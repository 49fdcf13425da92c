user.metal.o: /tmp/metalsim-k-iycexpa1/user.metal.cpp
