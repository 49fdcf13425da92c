user.metal.o: /tmp/metalsim-k-wk4njenq/user.metal.cpp
