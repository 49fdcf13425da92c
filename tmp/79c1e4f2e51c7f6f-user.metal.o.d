user.metal.o: /tmp/metalsim-k-sm5477af/user.metal.cpp
