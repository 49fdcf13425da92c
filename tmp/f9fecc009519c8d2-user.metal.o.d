user.metal.o: /tmp/metalsim-k-bt984fgf/user.metal.cpp
