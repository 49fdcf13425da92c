user.metal.o: /tmp/metalsim-k-8zxhxfoc/user.metal.cpp
