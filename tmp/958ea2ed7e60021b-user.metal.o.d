user.metal.o: /tmp/metalsim-k-yaa7u5qa/user.metal.cpp
