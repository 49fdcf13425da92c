user.metal.o: /tmp/metalsim-k-mdtv_3vk/user.metal.cpp
