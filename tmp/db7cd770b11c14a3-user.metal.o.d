user.metal.o: /tmp/metalsim-k-uboqms_z/user.metal.cpp
