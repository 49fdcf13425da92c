user.metal.o: /tmp/metalsim-k-obxvzr75/user.metal.cpp
