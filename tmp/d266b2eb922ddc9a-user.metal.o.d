user.metal.o: /tmp/metalsim-k-kb3lwgsr/user.metal.cpp
