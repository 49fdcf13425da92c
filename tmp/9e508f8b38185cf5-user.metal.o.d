user.metal.o: /tmp/metalsim-k-4v4uk9iz/user.metal.cpp
