user.metal.o: /tmp/metalsim-k-fldao7ye/user.metal.cpp
