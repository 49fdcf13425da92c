user.metal.o: /tmp/metalsim-k-fzahs_0_/user.metal.cpp
