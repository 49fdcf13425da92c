user.metal.o: /tmp/metalsim-k-natn1vz0/user.metal.cpp
