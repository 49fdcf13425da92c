user.metal.o: /tmp/metalsim-k-nn2pw5rr/user.metal.cpp
