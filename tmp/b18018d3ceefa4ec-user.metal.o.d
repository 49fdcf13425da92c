user.metal.o: /tmp/metalsim-k-g36rvt5q/user.metal.cpp
