user.metal.o: /tmp/metalsim-k-56rg_wrd/user.metal.cpp
