user.metal.o: /tmp/metalsim-k-8vuo0hfp/user.metal.cpp
