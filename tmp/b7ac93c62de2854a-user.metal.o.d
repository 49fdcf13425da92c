user.metal.o: /tmp/metalsim-k-wxfc01ka/user.metal.cpp
