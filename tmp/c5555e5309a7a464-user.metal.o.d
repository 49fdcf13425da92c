user.metal.o: /tmp/metalsim-k-sh8abjck/user.metal.cpp
