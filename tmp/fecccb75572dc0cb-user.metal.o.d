user.metal.o: /tmp/metalsim-k-54m84441/user.metal.cpp
