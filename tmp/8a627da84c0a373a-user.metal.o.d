user.metal.o: /tmp/metalsim-k-rnlhq1xw/user.metal.cpp
