user.metal.o: /tmp/metalsim-k-88vkw7pq/user.metal.cpp
