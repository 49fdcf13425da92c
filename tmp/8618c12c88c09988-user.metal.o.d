user.metal.o: /tmp/metalsim-k-cexkjquo/user.metal.cpp
