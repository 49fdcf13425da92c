user.metal.o: /tmp/metalsim-k-7vr47x1o/user.metal.cpp
