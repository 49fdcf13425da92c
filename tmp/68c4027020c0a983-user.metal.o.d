user.metal.o: /tmp/metalsim-k-m2p9n0wf/user.metal.cpp
